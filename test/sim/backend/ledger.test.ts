import fc from "fast-check"
import { describe, expect, test } from "vitest"
import { checkTimeZone, creditYear, remainingWh } from "../../../sim/backend/ledger"

describe("credit year", () => {
    test("the calendar year in the site's time zone, not UTC", () => {
        // 23:30 UTC on 31 December is already 1 January in Berlin
        expect(creditYear(Date.UTC(2026, 11, 31, 23, 30), "Europe/Berlin")).toBe(2027)
        expect(creditYear(Date.UTC(2026, 11, 31, 23, 30), "UTC")).toBe(2026)
        expect(creditYear(Date.UTC(2026, 11, 31, 22, 59, 59, 999), "Europe/Berlin")).toBe(2026)
        expect(creditYear(Date.UTC(2026, 11, 31, 23, 0), "Europe/Berlin")).toBe(2027)
        // summer: UTC+2
        expect(creditYear(Date.UTC(2027, 5, 30, 22, 30), "Europe/Berlin")).toBe(2027)
    })

    test("an unknown zone is a clear error", () => {
        expect(checkTimeZone("Europe/Berlin")).toBeNull()
        expect(checkTimeZone("Mars/Olympus")).toMatch(/unknown time zone 'Mars\/Olympus'/)
    })
})

describe("remaining credit", () => {
    test("never negative, never more than the year's credit, and what is used or held is gone", () => {
        fc.assert(
            fc.property(fc.nat(10_000_000), fc.nat(10_000_000), fc.nat(10_000_000), (credit, used, reserved) => {
                const left = remainingWh(credit, used, reserved)
                expect(left).toBeGreaterThanOrEqual(0)
                expect(left).toBeLessThanOrEqual(credit)
                if (used + reserved <= credit) expect(left).toBe(credit - used - reserved)
                else expect(left).toBe(0)
            })
        )
    })
})
