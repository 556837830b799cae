import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import { check, drive, json, METER_FAULT_MS, ready, topic, startStall, waitStatus } from "./stall"
import { NO_NAME } from "../../src/core/stall/index"

// The sensors as the firmware finds them on a bus: a second meter it must tell apart
// by name, a meter that stops answering, two meters it cannot tell apart, and one
// that has no measurementName to read at all.
let live: Live
beforeAll(async () => {
    // the stall's meter named, a second one (the dashboard's names, reading 0) beside it
    live = await startStall("mosquitto", { names: ["dc_bus", "dc_current"], secondMeter: ["volt", "amp"] })
    await ready(live)
})
afterAll(async () => live?.stop())

test("with a second meter on the bus the names say which is the stall's", async () => {
    const since = live.collector.count
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 250 }, 4000],
        [{ pilot: "A", volts: 0, amps: 0 }, 0],
    ])
    const rec = (await live.collector.waitFor((m) => m.topic === topic("session"), 15_000, "record", since)).json as any
    // 100 kW for about 4 s: the named meter, not the idle second one, was used
    expect(rec.energyWh).toBeGreaterThan(80)
    expect(rec.tierMinutes[1]).toBeGreaterThan(0)
    expect(check(live.collector.received).records.every((r) => r.diff === null && r.verifiable)).toBe(true)
})

test("a meter that stops answering gives invalid readings, then a meter fault", async () => {
    const since = live.collector.count
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 250 }, 3000],
    ])
    live.sensors.fail(true, "silent")
    const faulted = await waitStatus(live, "faulted", METER_FAULT_MS + 10_000, since)
    expect(faulted.json).toMatchObject({ faultReason: "meter" })
    expect(json(live.collector.received.slice(since), "event").map((e) => e.kind)).toContain("fault")
    live.sensors.fail(false)
    live.sensors.set({ pilot: "A", volts: 0, amps: 0 })
    const rec = (await live.collector.waitFor((m) => m.topic === topic("session"), 15_000, "record", since)).json as any
    expect(rec.faults.meterInvalidSamples).toBeGreaterThan(0)
    expect(rec.faults.faultCount).toBe(1)
    await waitStatus(live, "available", 10_000, since)
})

/** The roles_ambiguous event after `since`, and the faulted status that goes with it. */
async function ambiguous(since: number) {
    const ev = await live.collector.waitFor(
        (m) => (m.json as any)?.kind === "roles_ambiguous",
        30_000,
        "roles_ambiguous",
        since
    )
    // (a pilot fault may come first: the replaced sensors were away for a moment)
    await live.collector.waitFor(
        (m) => m.topic === topic("status") && (m.json as any)?.faultReason === "roles",
        10_000,
        "status faulted (roles)",
        since
    )
    return ev.json as any
}

test("two meters that cannot be told apart are a fault with an event", async () => {
    const since = live.collector.count
    await live.replaceSensors({ secondMeter: ["volt", "amp"] })
    await live.vm.restart()
    expect((await ambiguous(since)).detail).toContain('2 DC voltage servers named "volt" and "volt"')
})

test("a second meter without measurementName: the stall says so and keeps sampling", async () => {
    const since = live.collector.count
    await live.replaceSensors({ secondMeter: null })
    await live.vm.restart()
    const ev = await ambiguous(since)
    expect(ev.detail).toContain(NO_NAME)
    // the unanswered read holds no loop: the stall keeps sampling (each sample is tapped)
    for (let i = 0; i < 3; i++)
        await live.collector.waitFor((m) => m.topic === topic("tap"), 10_000, "a tapped sample", live.collector.count)
    // the second meter goes: the stall is itself again without a reboot
    const back = live.collector.count
    await live.replaceSensors({})
    await waitStatus(live, "available", 30_000, back)
})
