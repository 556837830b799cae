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

describe("SEMANTICS v2: sharing and occupancy", () => {
    const occ = { ...presetTariff("DE-2017")!, id: "DE-OCC", idleMinOccupancyPct: 50, idleFullMultiplier: 2 }

    test("malformed sharing and occupancy events are refused and change nothing", () => {
        const a = fresh()
        const before = a.checkpoint()
        for (const on of ["yes", 1, null, undefined]) expect(a.setSharing(on)).toContain("on")
        for (const p of [101, -1, null, "50", NaN, Infinity]) expect(a.setOccupancy(p)).toContain("percent")
        expect(a.checkpoint()).toEqual(before)
    })

    test("a period that saw sharing for a moment bills tier 1 and counts as shared", () => {
        const a = fresh()
        a.sample(0, "B", 400, 0)
        for (let t = 1000; t <= 120_000; t += 1000) {
            // on and off between two samples of the first period
            if (t === 30_000) a.setSharing(true)
            if (t === 30_000) a.setSharing(false)
            a.sample(t, "C", 400, 250) // 100 kW
        }
        expect(a.snapshot().currentTier).toBe(1)
        a.sample(121_000, "A", 400, 0)
        const rec = a.take().find((o) => o.type === "session") as any
        expect(rec.tierMinutes).toEqual([1, 1]) // 119 s: the shared minute, then 59 s unshared
        expect(rec.sharedPeriods).toBe(1)
        expect(rec.chargingMs).toBe(rec.tierMs[0] + rec.tierMs[1])
    })

    test("each idle minute takes the lowest occupancy it saw; the live record prices the open one", () => {
        const a = fresh()
        a.setTariff(occ)
        a.setOccupancy(100)
        a.sample(0, "B", 400, 0)
        a.sample(1000, "C", 400, 250)
        a.sample(2000, "B", 400, 0) // finished: the idle stopwatch runs
        // grace 300 s, then minutes at 100 %, one dipping to 75 %, one at 40 % (free)
        for (let t = 3000; t <= 302_000; t += 1000) a.sample(t, "B", 400, 0)
        for (let t = 303_000; t <= 362_000; t += 1000) a.sample(t, "B", 400, 0) // full
        a.setOccupancy(75)
        a.setOccupancy(100)
        for (let t = 363_000; t <= 422_000; t += 1000) a.sample(t, "B", 400, 0) // saw 75
        a.setOccupancy(40)
        for (let t = 423_000; t <= 482_000; t += 1000) a.sample(t, "B", 400, 0) // 40: free
        a.setOccupancy(60)
        a.sample(492_000, "B", 400, 0) // 10 s of a partial minute at 40 -> 60: sees 40
        const live = a.snapshot().session!
        expect([live.idleBilledMinutes, live.idleFullMinutes]).toEqual([2, 1])
        a.sample(500_000, "B", 400, 0)
        a.sample(501_000, "A", 400, 0)
        const rec = a.take().find((o) => o.type === "session") as any
        expect(rec.idleMs).toBe(499_000)
        expect([rec.idleBilledMinutes, rec.idleFullMinutes]).toEqual([2, 1])
        expect(rec.cost.idleMinor).toBe(35 * 2 + 35)
    })

    test("a long idle interval books its minutes as one-second samples would", () => {
        const idle = (stepMs: number) => {
            const a = fresh()
            a.setTariff(occ)
            a.setOccupancy(100)
            a.sample(0, "B", 400, 0)
            a.sample(1000, "C", 400, 250)
            a.sample(2000, "B", 400, 0)
            a.setOccupancy(60)
            for (let t = 2000 + stepMs; t <= 902_000; t += stepMs) a.sample(t, "B", 400, 0)
            a.sample(902_000, "A", 400, 0)
            const rec = a.take().find((o) => o.type === "session") as any
            return [rec.idleMs, rec.idleBilledMinutes, rec.idleFullMinutes, rec.cost.idleMinor]
        }
        expect(idle(900_000)).toEqual([900_000, 10, 0, 350])
        expect(idle(1000)).toEqual(idle(900_000))
    })

    test("sharing and occupancy survive a checkpoint and a reboot", () => {
        const a = fresh()
        a.setSharing(true)
        a.setOccupancy(80)
        const b = fresh()
        b.restore(a.checkpoint())
        b.reboot()
        expect(b.checkpoint().slice(-6, -1)).toEqual(a.checkpoint().slice(-6, -1))
    })
})
