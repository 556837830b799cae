import fc from "fast-check"
import { describe, expect, test } from "vitest"
import { Availability, occupancyPercent } from "../../../sim/backend/availability"

// The site's occupancy from the stalls' statuses, pure: which states count as plugged,
// offline and faulted stalls count as empty, rounding down.
const STATES = ["available", "preparing", "charging", "finished", "faulted", "offline"]
const stall = (state: string) => ({ state, online: state !== "offline" })

describe("occupancyPercent", () => {
    test("preparing, charging and finished are plugged; the rest count as empty", () => {
        expect(occupancyPercent([])).toBe(0)
        expect(occupancyPercent(STATES.map(stall))).toBe(50)
        expect(occupancyPercent(["preparing", "charging", "finished"].map(stall))).toBe(100)
        expect(occupancyPercent(["charging", "offline"].map(stall))).toBe(50)
        // a stall whose last status was plugged but is offline now: unknown, so empty
        expect(occupancyPercent([{ state: "charging", online: false }])).toBe(0)
    })

    test("rounds down: full only when every stall is plugged", () => {
        expect(occupancyPercent([...Array(199)].map(() => stall("finished")).concat([stall("available")]))).toBe(99)
        expect(occupancyPercent(["charging", "available", "available"].map(stall))).toBe(33)
        expect(occupancyPercent(["charging", "charging", "available"].map(stall))).toBe(66)
    })

    test("an integer 0..100, never above the true share, within 1 of it", () => {
        fc.assert(
            fc.property(fc.array(fc.constantFrom(...STATES), { maxLength: 300 }), (states) => {
                const p = occupancyPercent(states.map(stall))
                const plugged = states.filter((s) => ["preparing", "charging", "finished"].includes(s)).length
                const exact = states.length === 0 ? 0 : (plugged * 100) / states.length
                expect(Number.isInteger(p)).toBe(true)
                expect(p).toBeLessThanOrEqual(exact)
                expect(exact - p).toBeLessThan(1)
                expect(p === 100).toBe(states.length > 0 && plugged === states.length)
            })
        )
    })

    test("Availability.occupancy follows the statuses, the will included", () => {
        const a = new Availability()
        a.status("S1", { state: "charging", connector: "NACS" })
        a.status("S2", { state: "available", connector: "NACS" })
        expect(a.occupancy()).toBe(50)
        a.status("S1", { state: "offline" })
        expect(a.occupancy()).toBe(0)
        expect(a.status("S2", "not a status")).toBe(false)
        expect(a.occupancy()).toBe(0)
    })
})
