import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { pilotCode, PilotState } from "../../../src/core/billing/pilot"
import { PilotDebouncer, pilotFromVolts } from "../../../src/core/stall/pilot-line"

describe("pilotFromVolts (IEC 61851 levels, ±1 V windows)", () => {
    test.each([
        [12, "A"],
        [11, "A"],
        [13, "A"],
        [9, "B"],
        [8.2, "B"],
        [6, "C"],
        [5.5, "C"],
        [3, "D"],
        [2.1, "D"],
        [0, "E"],
        [-1, "E"],
        [1, "E"],
        [-12, "F"],
        [-11.5, "F"],
    ] as [number, PilotState][])("%d V is %s", (v, s) => {
        expect(pilotFromVolts(v)).toBe(s)
    })

    test.each([10.5, 7.5, 4.5, 1.5, -5, 14, -14, NaN, Infinity])("%d V between levels is F (fault)", (v) => {
        expect(pilotFromVolts(v)).toBe("F")
    })

    test("pilotCode", () => {
        expect(["A", "B", "C", "D", "E", "F"].map(pilotCode)).toEqual([0, 1, 2, 3, 4, 5])
        for (const x of ["G", "a", "", "AB", 1, null, undefined]) expect(pilotCode(x)).toBe(-1)
    })
})

describe("PilotDebouncer", () => {
    test("unknown until a state was read 3 times in a row", () => {
        const d = new PilotDebouncer()
        expect(d.settled).toBe(false)
        d.read(12)
        d.read(12)
        expect(d.settled).toBe(false)
        d.read(12)
        expect(d.settled).toBe(true)
        expect(d.state).toBe("A")
    })

    test("a new state must be read 3 times in a row", () => {
        const d = new PilotDebouncer()
        expect(d.read(9)).toBe("A")
        expect(d.read(9)).toBe("A")
        expect(d.read(9)).toBe("B")
        expect(d.read(6)).toBe("B")
        expect(d.read(9)).toBe("B") // bounce back resets the candidate
        expect(d.read(6)).toBe("B")
        expect(d.read(6)).toBe("B")
        expect(d.read(6)).toBe("C")
    })

    test("property: the output only changes to a level read 3 times in a row just before", () => {
        const levels = [12, 9, 6, 3, 0, -12, 7.5]
        fc.assert(
            fc.property(fc.array(fc.constantFrom(...levels), { maxLength: 60 }), (reads) => {
                const d = new PilotDebouncer()
                let prev = d.state
                reads.forEach((v, i) => {
                    const s = d.read(v)
                    if (s !== prev) {
                        expect(i).toBeGreaterThanOrEqual(2)
                        for (let k = i - 2; k <= i; k++) expect(pilotFromVolts(reads[k])).toBe(s)
                    }
                    prev = s
                })
            })
        )
    })
})
