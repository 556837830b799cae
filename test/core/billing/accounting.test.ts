import { describe, expect, test } from "vitest"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import { presetTariff } from "../../../src/core/billing/tariff"

const fresh = () => new StallAccounting(configFrom({}))

describe("samples", () => {
    test.each([
        [[1.5, "C", 400, 10], "integer"],
        [["1000", "C", 400, 10], "integer"],
        [[NaN, "C", 400, 10], "integer"],
        [[2000, "Z", 400, 10], "pilot"],
        [[2000, "c", 400, 10], "pilot"],
        [[500, "C", 400, 10], "backwards"],
    ])("rejects %j with a reason and changes nothing", (row, reason) => {
        const a = fresh()
        a.sample(1000, "B", 400, 0)
        const before = a.checkpoint()
        const [t, p, v, i] = row as [number, string, number, number]
        expect(a.sample(t, p, v, i)).toContain(reason)
        expect(a.checkpoint()).toEqual(before)
    })

    test("an equal t is a zero-length interval", () => {
        const a = fresh()
        expect(a.sample(1000, "B", 400, 0)).toBeNull()
        expect(a.sample(1000, "C", 400, 100)).toBeNull()
        expect(a.stateName()).toBe("charging")
    })

    test("invalid readings count as no power and are counted", () => {
        const a = fresh()
        a.sample(0, "B", 400, 0)
        a.sample(1000, "C", 400, 100) // 40 kW: charging
        a.sample(2000, "C", null as any, 100) // held at 40 kW across 1 s
        a.sample(3000, "C", -5, 100) // negative volts: invalid
        a.sample(4000, "C", 400, 2000) // 800 kW > maxKw: invalid
        a.sample(5000, "C", 400, -2) // -0.8 kW counts as 0
        const s = a.snapshot().session!
        expect(s.faults.meterInvalidSamples).toBe(3)
        expect(s.faults.gapMs).toBe(2000) // two intervals with no valid end
        // 0 -> 40 kW ramp while preparing (1 s), 40 kW held across 1 s, then nothing
        expect(s.energyWh).toBe(Math.floor((20 * 1000 + 40 * 1000) / 3600 + 0.5))
    })
})

describe("events", () => {
    test("authorize before plug attaches to the next session; a later one replaces it", () => {
        const a = fresh()
        expect(a.authorize("first", 10)).toBeNull()
        expect(a.authorize("", 10)).toContain("account")
        expect(a.authorize("x".repeat(65), 10)).toContain("account")
        expect(a.authorize(7, 10)).toContain("account")
        a.sample(0, "B", 400, 0)
        expect(a.snapshot().session!.account).toBe("first")
        a.authorize("second", -3)
        a.sample(1000, "A", 400, 0)
        const rec = a.take().find((o) => o.type === "session") as any
        expect(rec.account).toBe("second")
        a.sample(2000, "B", 400, 0)
        expect(a.snapshot().session!.account).toBeNull() // not carried to the next session
    })

    test("a tariff applies to sessions opened after it", () => {
        const a = fresh()
        a.sample(0, "B", 400, 0)
        expect(a.setTariff(presetTariff("FR-2017"))).toBeNull()
        expect(a.setTariff({ id: "bad" })).not.toBeNull()
        expect(a.snapshot().session!.tariffId).toBe("DE-2017")
        a.sample(1000, "A", 400, 0)
        a.sample(2000, "B", 400, 0)
        expect(a.snapshot().session!.tariffId).toBe("FR-2017")
        expect(a.tariff().id).toBe("FR-2017")
    })

    test("reboot: the outage is counted once, never billed", () => {
        const a = fresh()
        a.sample(0, "B", 400, 0)
        a.sample(1000, "C", 400, 100)
        a.sample(2000, "C", 400, 100)
        a.reboot()
        a.reboot()
        a.sample(62_000, "C", 400, 100)
        const s = a.snapshot().session!
        expect(s.faults.outages).toBe(1)
        expect(s.faults.outageMs).toBe(60_000)
        expect(s.chargingMs).toBe(1000)
    })
})

describe("snapshot", () => {
    test("prices the open period as a whole one, without closing it", () => {
        const a = fresh()
        a.sample(0, "B", 400, 0)
        for (let t = 1000; t <= 30_000; t += 1000) a.sample(t, "C", 400, 250) // 100 kW
        const snap = a.snapshot()
        expect(snap.state).toBe("charging")
        expect(snap.powerW).toBe(100_000)
        expect(snap.currentTier).toBe(1)
        expect(snap.session!.tierMinutes).toEqual([0, 1])
        expect(snap.session!.cost.timeMinor).toBe(34)
        expect(a.session()!.tierMinutes).toEqual([0, 0])
    })
})
