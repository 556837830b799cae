import { beforeEach, describe, expect, test } from "vitest"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import { MAX_PENDING_EVENTS, Publish, RESEND_BATCH, StallController } from "../../../src/core/stall/controller"
import { recordOfHeld } from "../../../src/core/stall/record-codec"
import { StallIdentity } from "../../../src/core/stall/messages"
import { resume } from "../../../src/core/stall/boot"
import { presetTariff } from "../../../src/core/billing/tariff"
import { outputsDiff, replayTrace } from "../../../src/core/trace/index"

const ID: StallIdentity = { stallId: "S1", prefix: "stalls", connector: "NACS", fw: "test" }
const CFG = { telemetryMs: 10_000, resendMs: 30_000, tap: false, maxOutbox: 2 }

function controller(cfg = CFG): StallController {
    return new StallController(ID, new StallAccounting(configFrom({})), 7, [], cfg)
}

function json(p: Publish[], suffix: string): any[] {
    return p.filter((x) => x.topic === "stalls/S1/" + suffix).map((x) => JSON.parse(x.payload))
}

/** plug at t0, charge at 100 kW for `chargeS` seconds, unplug right away */
function session(c: StallController, t0: number, chargeS: number): number {
    c.sample(t0, "B", 400_000, 0)
    let t = t0
    for (let i = 1; i <= chargeS; i++) c.sample((t = t0 + i * 1000), "C", 400_000, 250_000)
    c.sample((t += 1000), "A", 400_000, 0)
    return t
}

describe("status and telemetry", () => {
    test("connect publishes the retained status; each change publishes status and telemetry", () => {
        const c = controller()
        c.connected(0)
        const first = c.take()
        expect(first).toHaveLength(1)
        expect(first[0]).toMatchObject({ topic: "stalls/S1/status", qos: 1, retain: true })
        expect(JSON.parse(first[0].payload)).toEqual({
            v: 1,
            stallId: "S1",
            state: "available",
            connector: "NACS",
            sessionId: null,
            sinceMs: 0,
            since: null,
            fw: "test",
            outbox: 0,
        })
        c.sample(1000, "B", 400_000, 0)
        c.sample(2000, "C", 400_000, 250_000)
        const out = c.take()
        expect(json(out, "status").map((s) => [s.state, s.sessionId])).toEqual([
            ["preparing", "S1-7-1"],
            ["charging", "S1-7-1"],
        ])
        expect(json(out, "telemetry")).toHaveLength(2)
        // no charging time yet at the instant charging starts, so no tier yet
        expect(json(out, "telemetry")[1]).toMatchObject({ state: "charging", powerW: 100_000, tier: -1 })
        c.sample(3000, "C", 400_000, 250_000)
        c.tick(12_000)
        expect(json(c.take(), "telemetry")[0]).toMatchObject({ tier: 1, chargingMs: 1000, tierMinutes: [0, 1] })
    })

    test("telemetry every telemetryMs while a session is open, none without one", () => {
        const c = controller()
        c.connected(0)
        c.tick(20_000)
        expect(json(c.take(), "telemetry")).toHaveLength(0)
        c.sample(21_000, "B", 400_000, 0)
        c.take()
        c.tick(25_000)
        expect(json(c.take(), "telemetry")).toHaveLength(0)
        c.tick(31_000)
        expect(json(c.take(), "telemetry")).toHaveLength(1)
    })
})

describe("session records", () => {
    let c: StallController
    beforeEach(() => {
        c = controller()
        c.connected(0)
        c.take()
    })

    test("go to the outbox before their first publish, and carry the stall's identifiers", () => {
        const end = session(c, 1000, 90)
        expect(c.outboxDue).toBe(true)
        const rec = json(c.take(), "session")[0]
        expect(rec).toMatchObject({
            stallId: "S1",
            sessionId: "S1-7-1",
            fw: "test",
            type: "session",
            chargingMs: 90_000,
        })
        expect(rec.unpluggedAtMs).toBe(end)
        expect(c.outbox.map((e) => e.sessionId)).toEqual(["S1-7-1"])
    })

    test("are resent until acknowledged, then dropped", () => {
        const end = session(c, 1000, 10)
        c.take()
        c.tick(end + 29_000)
        expect(json(c.take(), "session")).toHaveLength(0) // not before a resend period passed
        c.tick(end + 30_000)
        expect(json(c.take(), "session").map((r) => r.sessionId)).toEqual(["S1-7-1"])
        c.message("stalls/S1/cmd/ack", JSON.stringify({ sessionId: "S1-7-1" }), 41_000)
        expect(c.outbox).toHaveLength(0)
        c.tick(80_000)
        expect(json(c.take(), "session")).toHaveLength(0)
        // a duplicate ack is harmless and silent
        c.message("stalls/S1/cmd/ack", JSON.stringify({ sessionId: "S1-7-1" }), 81_000)
        expect(json(c.take(), "event")).toHaveLength(0)
    })

    test("made while offline are delivered on reconnect, with the events in between", () => {
        c.disconnected()
        session(c, 1000, 10)
        expect(c.take()).toHaveLength(0)
        c.connected(20_000)
        const out = c.take()
        expect(json(out, "status")[0].state).toBe("available")
        expect(json(out, "session").map((r) => r.sessionId)).toEqual(["S1-7-1"])
    })

    test("are held compact and sent as the record they were", () => {
        session(c, 1000, 7)
        const sent = json(c.take(), "session")[0]
        expect(c.outbox[0].text.length).toBeLessThan(120)
        expect(recordOfHeld(c.outbox[0].text)).toEqual(sent)
        c.tick(100_000)
        expect(json(c.take(), "session")).toEqual([sent])
    })

    test("a full outbox drops its oldest with an event carrying the record's totals", () => {
        let t = 1000
        for (let i = 0; i < 2; i++) t = session(c, t + 1000, 5)
        const first = json(c.take(), "session")[0]
        t = session(c, t + 1000, 5)
        expect(c.outbox.map((e) => e.sessionId)).toEqual(["S1-7-2", "S1-7-3"])
        const ev = json(c.take(), "event").filter((e) => e.kind === "outbox_overflow")
        expect(ev).toHaveLength(1)
        expect(ev[0].detail).toContain("S1-7-1")
        expect(ev[0].record).toEqual({
            sessionId: "S1-7-1",
            energyWh: first.energyWh,
            totalMinor: first.cost.totalMinor,
            currency: first.currency,
        })
    })

    test("the status says how many records wait, and is sent again when the last is acked", () => {
        let t = session(c, 1000, 5)
        t = session(c, t + 1000, 5)
        const statuses = json(c.take(), "status")
        expect(statuses[statuses.length - 1]).toMatchObject({ state: "available", outbox: 2 })
        c.message("stalls/S1/cmd/ack", JSON.stringify({ sessionId: "S1-7-1" }), t + 1)
        expect(json(c.take(), "status")).toEqual([])
        c.message("stalls/S1/cmd/ack", JSON.stringify({ sessionId: "S1-7-2" }), t + 2)
        expect(json(c.take(), "status")).toMatchObject([{ state: "available", outbox: 0 }])
    })
})

describe("a day of records", () => {
    const BIG = { ...CFG, maxOutbox: 64 }

    test("a reconnect resends them RESEND_BATCH a tick, then once per resend period", () => {
        const c = controller(BIG)
        let t = 0
        for (let i = 0; i < 10; i++) t = session(c, t + 1000, 3)
        c.connected(t)
        const sentOn = (out: Publish[]) => json(out, "session").map((r) => r.sessionSeq)
        expect(sentOn(c.take())).toEqual([1, 2, 3, 4].slice(0, RESEND_BATCH))
        c.tick(t + 500)
        expect(sentOn(c.take())).toEqual([5, 6, 7, 8])
        c.tick(t + 1000)
        expect(sentOn(c.take())).toEqual([9, 10])
        c.tick(t + 2000)
        expect(sentOn(c.take())).toEqual([])
        c.tick(t + 30_000)
        expect(sentOn(c.take())).toEqual([1, 2, 3, 4])
    })

    test("records the flash has no room for are told once each, with their totals", () => {
        const c = controller(BIG)
        c.connected(0)
        let t = 0
        for (let i = 0; i < 3; i++) t = session(c, t + 1000, 3)
        c.take()
        const d = c.due()
        expect(d.outbox!.map((e) => e.sessionId)).toEqual(["S1-7-1", "S1-7-2", "S1-7-3"])
        c.saved(d, { ok: true, unsaved: ["S1-7-3"] }, true, t)
        const ev = json(c.take(), "event")
        expect(ev.map((e) => [e.kind, e.record?.sessionId])).toEqual([["outbox_full", "S1-7-3"]])
        expect(ev[0].record.totalMinor).toBe(recordOfHeld(c.outbox[2].text).cost.totalMinor)
        // still unsaved on the next write: not told again; nothing is lost from RAM
        t = session(c, t + 1000, 3)
        c.saved(c.due(), { ok: true, unsaved: ["S1-7-3", "S1-7-4"] }, true, t)
        expect(json(c.take(), "event").map((e) => e.record?.sessionId)).toEqual(["S1-7-4"])
        expect(c.outbox).toHaveLength(4)
    })

    test("when it is full, one held in RAM only is dropped before one in flash", () => {
        const c = controller({ ...CFG, maxOutbox: 3 })
        c.connected(0)
        let t = 0
        for (let i = 0; i < 3; i++) t = session(c, t + 1000, 3)
        c.saved(c.due(), { ok: true, unsaved: ["S1-7-2"] }, true, t)
        c.take()
        session(c, t + 1000, 3)
        expect(c.outbox.map((e) => e.sessionId)).toEqual(["S1-7-1", "S1-7-3", "S1-7-4"])
        expect(json(c.take(), "event").filter((e) => e.kind === "outbox_overflow")[0].record.sessionId).toBe("S1-7-2")
    })

    test("offline, a record's summary outlives the other held events", () => {
        const c = controller({ ...CFG, maxOutbox: 1 })
        c.disconnected()
        let t = session(c, 1000, 3)
        t = session(c, t + 1000, 3) // drops S1-7-1 with its summary
        for (let i = 0; i < 40; i++) c.message("stalls/S1/cmd/ack", "{bad", t + i)
        c.connected(t + 100)
        const ev = json(c.take(), "event")
        expect(ev.filter((e) => e.kind === "outbox_overflow").map((e) => e.record.sessionId)).toEqual(["S1-7-1"])
        expect(ev.filter((e) => e.kind === "command_rejected").length).toBeGreaterThan(0)
    })
})

describe("commands", () => {
    test("authorize attaches the account; the record shows it", () => {
        const c = controller()
        c.connected(0)
        c.message("stalls/S1/cmd/authorize", JSON.stringify({ account: "bmw-app:42", freeWh: 0 }), 500)
        session(c, 1000, 5)
        const out = c.take()
        expect(json(out, "event").map((e) => e.kind)).toContain("authorized")
        expect(json(out, "session")[0].account).toBe("bmw-app:42")
    })

    test("tariff applies to the next session", () => {
        const c = controller()
        c.connected(0)
        const fr = {
            id: "FR-2017",
            currency: "EUR",
            mode: "per_kwh",
            tierThresholdsKw: [60],
            perMinuteMinor: [0, 0],
            perKwhMinor: 20,
            idlePerMinuteMinor: 35,
            idleGraceMs: 300000,
            idleGraceMode: "deduct",
            periodMs: 60000,
        }
        c.message("stalls/S1/cmd/tariff", JSON.stringify(fr), 500)
        expect(json(c.take(), "event")[0]).toMatchObject({ kind: "tariff_changed" })
        session(c, 1000, 5)
        expect(json(c.take(), "session")[0].tariffId).toBe("FR-2017")
    })

    test("the site clock gives records and status wall times", () => {
        const c = controller()
        c.connected(0)
        c.message("stalls/clock", JSON.stringify({ epochMs: 1_800_000_000_000 }), 1000)
        session(c, 2000, 5)
        const rec = json(c.take(), "session")[0]
        expect(rec.pluggedAt).toBe(1_800_000_000_000 + 1000)
        expect(rec.unpluggedAt).toBe(1_800_000_000_000 + rec.unpluggedAtMs - 1000)
    })

    test("a bad command or a foreign topic is rejected with an event and changes nothing", () => {
        const c = controller()
        c.connected(0)
        c.sample(1000, "B", 400_000, 0)
        c.take()
        const before = c.acct.checkpoint()
        for (const [topic, payload] of [
            ["stalls/S1/cmd/tariff", '{"id":"X","currency":"EUR"}'],
            ["stalls/S1/cmd/authorize", "{not json"],
            ["stalls/S1/cmd/authorize", JSON.stringify({ account: "a", freeWh: 1, extra: 1 })],
            ["stalls/S1/cmd/ack", JSON.stringify({ sessionId: 5 })],
            ["stalls/clock", JSON.stringify({ epochMs: 5 })],
            ["stalls/S10/cmd/tariff", "{}"],
            ["stalls/S1/cmd/reboot", "{}"],
        ]) {
            c.message(topic, payload, 2000)
            const ev = json(c.take(), "event")
            expect(
                ev.map((e) => e.kind),
                topic + " " + payload
            ).toEqual(["command_rejected"])
            expect(ev[0].detail.length).toBeGreaterThan(3)
        }
        expect(c.acct.checkpoint()).toEqual(before)
    })
})

describe("a flood of bad commands", () => {
    test("at most MAX_PENDING_EVENTS wait to be sent; the rest are counted in one event", () => {
        const c = controller()
        c.connected(0)
        c.take()
        for (let i = 0; i < MAX_PENDING_EVENTS + 10; i++) c.message("stalls/S1/cmd/authorize", "{", i)
        const ev = json(c.take(), "event")
        expect(ev.filter((e) => e.kind === "command_rejected")).toHaveLength(MAX_PENDING_EVENTS)
        expect(ev[ev.length - 1]).toMatchObject({ kind: "events_dropped" })
        expect(ev[ev.length - 1].detail).toMatch(/^10 events dropped/)
        // once sent, every rejection has its own event again
        c.message("stalls/S1/cmd/authorize", "{", 100)
        expect(json(c.take(), "event").map((e) => e.kind)).toEqual(["command_rejected"])
    })
})

describe("persistence flags and tap", () => {
    test("a state change asks for a checkpoint; saving clears it until the next change", () => {
        const c = controller()
        c.sample(0, "A", 0, 0)
        c.checkpointSaved(c.takeCheckpoint(), 0)
        c.sample(1000, "A", 0, 0)
        expect(c.checkpointDue).toBe(false)
        c.sample(2000, "B", 0, 0)
        expect(c.checkpointDue).toBe(true)
    })

    test("with tap on, every consumed sample and applied event is a trace row", () => {
        const c = controller({ ...CFG, tap: true })
        c.connected(0)
        c.take()
        c.boot(0, "boot", true)
        c.sample(1000, "C", 400_123, null)
        c.message("stalls/S1/cmd/authorize", JSON.stringify({ account: "x" }), 1500)
        const cp = c.takeCheckpoint()
        c.sample(2000, "C", 400_000, 0) // after the checkpoint was taken: not covered by it
        c.checkpointSaved(cp, 2500)
        const rows = json(c.take(), "tap")
        expect(rows).toEqual([
            { event: "reboot", t: 0 },
            [1000, "C", 400_123, null],
            { event: "authorize", account: "x", freeWh: 0, t: 1500 },
            [2000, "C", 400_000, 0],
            { event: "checkpoint", rows: 3, t: 2500 },
        ])
    })

    test("a late will on our own status topic is answered with the current status", () => {
        const c = controller()
        c.connected(0)
        c.take()
        c.message("stalls/S1/status", JSON.stringify({ v: 1, stallId: "S1", state: "available" }), 10)
        expect(c.take()).toHaveLength(0) // our own status echoed back: nothing to do
        c.message("stalls/S1/status", JSON.stringify({ v: 1, stallId: "S1", state: "offline" }), 20)
        expect(json(c.take(), "status").map((s) => s.state)).toEqual(["available"])
    })

    test("roles that cannot be told apart show as a fault", () => {
        const c = controller()
        c.connected(0)
        c.take()
        c.setRolesFault(true, "voltage sensors named dc_bus and dc_bus", 100)
        const out = c.take()
        expect(json(out, "event")[0].kind).toBe("roles_ambiguous")
        expect(json(out, "status")[0]).toMatchObject({ state: "faulted", faultReason: "roles" })
    })
})

describe("sharing and occupancy from the site", () => {
    // 5 s periods, no grace, idle free below half full and doubled when full
    const TARIFF = {
        id: "SITE",
        currency: "EUR",
        mode: "per_minute",
        tierThresholdsKw: [60],
        perMinuteMinor: [17, 34],
        perKwhMinor: 0,
        idlePerMinuteMinor: 35,
        idleGraceMs: 0,
        idleGraceMode: "deduct",
        periodMs: 5000,
        idleMinOccupancyPct: 50,
        idleFullMultiplier: 2,
    }
    const TAP = { ...CFG, tap: true }
    const sharing = (c: StallController, on: boolean, t: number) =>
        c.message("stalls/S1/cmd/sharing", JSON.stringify({ on }), t)
    const occupancy = (c: StallController, percent: number, t: number) =>
        c.message("stalls/site/occupancy", JSON.stringify({ percent }), t)

    test("reach the core as events, in the tap, and show in the telemetry with the idle factor", () => {
        const c = controller({ ...TAP, telemetryMs: 500 })
        c.connected(0)
        c.message("stalls/S1/cmd/tariff", JSON.stringify(TARIFF), 0)
        occupancy(c, 40, 100)
        sharing(c, true, 200)
        const applied = json(c.take(), "tap").slice(1)
        expect(applied).toEqual([
            { event: "occupancy", percent: 40, t: 100 },
            { event: "sharing", on: true, t: 200 },
        ])
        c.sample(1000, "B", 400_000, 0)
        const plugged = json(c.take(), "telemetry")[0]
        expect(plugged).toMatchObject({ sharing: true, occupancyPct: 40, idleFactor: 0 })
        for (let t = 2000; t <= 12_000; t += 1000) c.sample(t, "C", 400_000, 250_000)
        sharing(c, false, 12_500)
        c.sample(13_000, "B", 400_000, 0) // finished: idle from here
        c.sample(14_000, "B", 400_000, 0)
        const tel = (t: number) => {
            c.tick(t)
            return json(c.take(), "telemetry").at(-1)
        }
        // 40 % < 50 %: the idle minute under way is free
        expect(tel(14_000)).toMatchObject({ state: "finished", sharing: false, occupancyPct: 40, idleFactor: 0 })
        occupancy(c, 100, 14_500)
        // the minute under way has seen 40 %: still free, the next one is full
        expect(tel(14_500)).toMatchObject({ occupancyPct: 100, idleFactor: 0 })
        for (let t = 15_000; t <= 75_000; t += 1000) c.sample(t, "B", 400_000, 0)
        expect(tel(75_000)).toMatchObject({ idleFactor: 2 })
        occupancy(c, 70, 75_500)
        expect(tel(75_500)).toMatchObject({ occupancyPct: 70, idleFactor: 1 })
        c.sample(76_000, "A", 0, 0)
        const out = c.take()
        const rec = json(out, "session")[0]
        expect(rec).toMatchObject({ idleMs: 63_000, idleBilledMinutes: 1, idleFullMinutes: 0 })
        // 11 s of charging, 3 periods: the last one too, sharing was on at its sample before 12.5 s
        expect(rec.sharedPeriods).toBe(3)
        expect(json(out, "telemetry").at(-1)).toMatchObject({ state: "available", idleFactor: 0 })
    })

    test("the tap holds every applied event, and its replay is the record", () => {
        const c = controller(TAP)
        c.connected(0)
        const tap: unknown[] = []
        const drain = () => tap.push(...json(c.take(), "tap"))
        c.message("stalls/S1/cmd/tariff", JSON.stringify(TARIFF), 0)
        occupancy(c, 60, 0)
        drain()
        c.sample(1000, "B", 400_000, 0)
        for (let t = 2000; t <= 20_000; t += 1000) {
            if (t === 6000) sharing(c, true, t - 500)
            if (t === 9000) sharing(c, false, t - 500)
            c.sample(t, "C", 400_000, 250_000)
            drain()
        }
        occupancy(c, 100, 20_500)
        for (let t = 21_000; t <= 200_000; t += 1000) {
            if (t === 150_000) occupancy(c, 90, t - 500)
            c.sample(t, "B", 400_000, 0)
            drain()
        }
        c.sample(201_000, "A", 0, 0)
        const out = c.take()
        tap.push(...json(out, "tap"))
        const rec = json(out, "session")[0]
        expect(tap.filter((r: any) => r.event === "sharing" || r.event === "occupancy")).toHaveLength(5)
        // the tap carries the meter's mV and mA, a trace volts and amps
        const rows = tap.map((r) => (Array.isArray(r) ? [r[0], r[1], r[2] / 1000, r[3] / 1000] : r))
        const replayed = replayTrace({ tariff: presetTariff("DE-2017"), rows }).filter((o) => o.type === "session")
        const { stallId, sessionId, fw, pluggedAt, unpluggedAt, ...semantics } = rec
        expect(outputsDiff(replayed, [semantics])).toBeNull()
        expect(rec.sharedPeriods).toBeGreaterThan(0)
        expect(rec.idleFullMinutes).toBeGreaterThan(0)
    })

    test("a reboot mid-session keeps the sharing flag and the occupancy (checkpoint v2)", () => {
        const c = controller(TAP)
        c.connected(0)
        c.message("stalls/S1/cmd/tariff", JSON.stringify(TARIFF), 0)
        occupancy(c, 100, 0)
        sharing(c, true, 0)
        c.sample(1000, "B", 400_000, 0)
        for (let t = 2000; t <= 6000; t += 1000) c.sample(t, "C", 400_000, 250_000)
        const stored = c.takeCheckpoint().items
        // power cut; the new boot hears neither command again
        const r = resume(configFrom({}), presetTariff("DE-2017")!, [{ items: stored, lineage: 7 }], 8)
        const b = new StallController(ID, r.acct, r.lineage, [], TAP)
        b.boot(6000, "boot 8", r.restored)
        b.connected(6000)
        expect(b.acct.snapshot()).toMatchObject({ sharing: true, occupancyPct: 100 })
        for (let t = 7000; t <= 17_000; t += 1000) b.sample(t, "C", 400_000, 250_000)
        for (let t = 18_000; t <= 140_000; t += 1000) b.sample(t, "B", 400_000, 0)
        b.sample(141_000, "A", 0, 0)
        const rec = json(b.take(), "session")[0]
        // every period shared, every idle minute full: before and after the reboot
        expect(rec.sharedPeriods).toBe(rec.tierMinutes[0] + rec.tierMinutes[1])
        expect(rec.tierMinutes[1]).toBe(0)
        expect(rec.idleFullMinutes).toBe(rec.idleBilledMinutes)
        expect(rec.idleFullMinutes).toBeGreaterThan(1)
        expect(rec.faults.outages).toBe(1)
    })

    test("bad values are rejected with an event and change nothing", () => {
        const c = controller()
        c.connected(0)
        c.take()
        const before = c.acct.checkpoint()
        for (const [topic, payload] of [
            ["stalls/S1/cmd/sharing", '{"on":"yes"}'],
            ["stalls/site/occupancy", '{"percent":40.5}'],
            ["stalls/site/occupancy", '{"percent":101}'],
        ]) {
            c.message(topic, payload, 100)
            expect(json(c.take(), "event").map((e) => [e.kind, e.detail.split(":")[0]])).toEqual([
                ["command_rejected", topic.endsWith("sharing") ? "sharing" : "occupancy"],
            ])
        }
        expect(c.acct.checkpoint()).toEqual(before)
    })
})
