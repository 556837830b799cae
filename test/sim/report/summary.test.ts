import fc from "fast-check"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import type { SessionRecord } from "../../../src/core/trace/replay"
import {
    formatClock,
    formatMoney,
    formatSession,
    formatStall,
    summarizeStall,
    tierLabels,
} from "../../../sim/report/summary"

const vector01: SessionRecord = readFileSync(join(__dirname, "../../vectors/01-de-basic-tiers.expected.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((o) => o.type === "session")

describe("summary", () => {
    it("formats money in minor units with the currency", () => {
        expect(formatMoney(952, "EUR")).toBe("EUR 9.52")
        expect(formatMoney(5, "EUR")).toBe("EUR 0.05")
        expect(formatMoney(0, "CHF")).toBe("CHF 0.00")
        expect(formatMoney(123456, "EUR")).toBe("EUR 1234.56")
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 1e9 }), (minor) => {
                expect(Math.round(Number(formatMoney(minor, "EUR").slice(4)) * 100)).toBe(minor)
            })
        )
    })

    it("names tiers from the thresholds", () => {
        expect(tierLabels([60])).toEqual(["≤ 60 kW", "> 60 kW"])
        expect(tierLabels([60, 100, 180])).toEqual(["≤ 60 kW", "60–100 kW", "100–180 kW", "> 180 kW"])
    })

    it("formats trace times as a clock", () => {
        expect(formatClock(1006000)).toBe("0:16:46")
        expect(formatClock(86_400_000 + 3_723_000)).toBe("day 2 1:02:03")
    })

    it("prints every line of a session", () => {
        const text = formatSession(vector01)
        expect(text).toContain("Session 1 · acct-1 · DE-2017 · 0:16:46 → 0:51:41")
        expect(text).toContain("energy      46.379 kWh")
        expect(text).toContain("≤ 60 kW: 8 min · > 60 kW: 24 min")
        expect(text).toContain("idle        3.0 min · billed 0 min")
        expect(text).toContain("time cost   EUR 9.52")
        expect(text).toContain("energy cost EUR 0.00")
        expect(text).toContain("idle cost   EUR 0.00")
        expect(text).toContain("total       EUR 9.52")
        expect(text).not.toContain("faults")
        expect(formatSession(vector01, 5000)).toContain("≤ 60 kW: 8 × 5 s")
    })

    it("lists faults and free energy when there are some", () => {
        const r = {
            ...vector01,
            freeWhUsed: 1234,
            faults: { meterInvalidSamples: 3, gapMs: 7000, outages: 1, outageMs: 45000, faultCount: 2 },
        }
        const text = formatSession(r)
        expect(text).toContain("(1.234 kWh free)")
        expect(text).toContain(
            "faults      3 invalid meter readings · 7 s of gaps · 1 controller outage (45 s unbilled) · 2 faults"
        )
    })

    it("shows shared periods and the idle minutes of a full site, with the multiplier when known", () => {
        const r = { ...vector01, sharedPeriods: 5, idleBilledMinutes: 7, idleFullMinutes: 3 }
        expect(formatSession(r)).toContain("> 60 kW: 24 min · shared 5 min (tier 1)")
        expect(formatSession(r)).toContain("billed 7 min (4 × 1, 3 full)")
        expect(formatSession(r, 60000, 2)).toContain("billed 7 min (4 × 1, 3 full × 2)")
        expect(formatSession(vector01, 60000, 2)).not.toMatch(/shared|full/)
        const summary = summarizeStall("1A", [r, { ...r, sharedPeriods: 1, idleFullMinutes: 0 }])
        expect(summary.totals).toMatchObject({ sharedPeriods: 6, idleFullMinutes: 3 })
        const text = formatStall(summary, { tariff: { id: r.tariffId, idleFullMultiplier: 2 } })
        expect(text).toContain("3 full × 2)")
        expect(text).toContain("(6 periods shared)")
        expect(text).toContain("(3 min full)")
        expect(formatStall(summary, { tariff: { id: "other", idleFullMultiplier: 2 } })).not.toContain("× 2)")
    })

    it("totals a stall and shortens long lists", () => {
        const second = { ...vector01, sessionSeq: 2, energyWh: 1000, cost: { ...vector01.cost, totalMinor: 48 } }
        const summary = summarizeStall("1A", [vector01, second])
        expect(summary.totals).toMatchObject({ sessions: 2, energyWh: 47379, totalMinor: { EUR: 1000 } })
        const text = formatStall(summary, { maxSessions: 1 })
        expect(text).toContain("… 1 more sessions")
        expect(text).toContain("Stall 1A: 2 sessions · 47.379 kWh")
        expect(text).toContain("total EUR 10.00")
    })
})
