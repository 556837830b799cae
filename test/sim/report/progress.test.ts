import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { createProgress, formatRate } from "../../../sim/report/progress"

describe("formatRate", () => {
    it("picks the prefix that keeps three significant digits", () => {
        expect(formatRate(640, "samples")).toBe("640 samples/s")
        expect(formatRate(12_345, "samples")).toBe("12.3 k samples/s")
        expect(formatRate(1_920_000)).toBe("1.92 M/s")
        expect(formatRate(0.4, "samples")).toBe("0.40 samples/s")
    })

    it("reads back within 1 % and never shows a rate of at least 1/s as zero", () => {
        fc.assert(
            fc.property(fc.double({ min: 1, max: 1e9, noNaN: true }), (rate) => {
                const m = formatRate(rate, "samples").match(/^([\d.]+)( [kM])? samples\/s$/)
                expect(m).not.toBeNull()
                const value = Number(m![1]) * (m![2] === " M" ? 1e6 : m![2] === " k" ? 1e3 : 1)
                expect(value).toBeGreaterThan(0)
                expect(Math.abs(value - rate) / rate).toBeLessThanOrEqual(0.00501)
            })
        )
    })
})

describe("progress", () => {
    it("shows a fleet's slow rate in samples/s, not 0.00 M/s", () => {
        let text = ""
        let now = 0
        const p = createProgress(
            6000,
            "fleet",
            { write: (s: string) => (text += s) },
            { unit: "samples", now: () => now }
        )
        now = 1000
        p.update(600)
        expect(text).toBe("fleet: 10% 600 samples/s\n")
    })
})
