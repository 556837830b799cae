import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { ADC_RAIL, adcMean, adcRatio } from "../../../src/core/stall/adc"

const usable = fc.double({ min: ADC_RAIL, max: 1 - ADC_RAIL, noNaN: true, minExcluded: true, maxExcluded: true })

describe("adcRatio", () => {
    test("a usable ratio passes unchanged", () => {
        fc.assert(
            fc.property(usable, (r) => {
                expect(adcRatio(r)).toBe(r)
            })
        )
    })

    test.each([0, 0.005, ADC_RAIL, 1 - ADC_RAIL, 0.995, 4095 / 4096, 1, -0.2, 1.5])(
        "%d is at a rail or out of range: NaN",
        (r) => {
            expect(adcRatio(r)).toBeNaN()
        }
    )

    test.each([
        ["NaN", NaN],
        ["Infinity", Infinity],
        ["-Infinity", -Infinity],
        ['the text "0.5"', "0.5"],
        ["null", null],
        ["undefined (an analog pin the VM does not have)", undefined],
        ["true", true],
        ["the array [0.5]", [0.5]],
    ])("%s is no reading: NaN", (_what: string, r: unknown) => {
        expect(adcRatio(r)).toBeNaN()
    })
})

describe("adcMean", () => {
    test("the mean of usable readings lies between their least and greatest", () => {
        fc.assert(
            fc.property(fc.array(usable, { minLength: 1, maxLength: 32 }), (rs) => {
                const m = adcMean(rs)
                expect(m).toBeGreaterThanOrEqual(Math.min(...rs) - 1e-15)
                expect(m).toBeLessThanOrEqual(Math.max(...rs) + 1e-15)
                expect(m).toBeCloseTo(rs.reduce((a, b) => a + b, 0) / rs.length, 14)
            })
        )
    })

    test("one unusable reading anywhere in a burst makes it NaN", () => {
        const bad = fc.constantFrom<unknown>(0, 1, NaN, undefined, "x", 2)
        fc.assert(
            fc.property(fc.array(usable, { maxLength: 31 }), bad, fc.nat(), (rs, b, at) => {
                const burst: unknown[] = [...rs]
                burst.splice(at % (rs.length + 1), 0, b)
                expect(adcMean(burst)).toBeNaN()
            })
        )
    })

    test("an empty burst is NaN; an alternating one its midpoint", () => {
        expect(adcMean([])).toBeNaN()
        expect(adcMean([0.375, 0.625, 0.375, 0.625])).toBe(0.5)
    })
})
