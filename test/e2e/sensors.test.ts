import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import { check, drive, json, METER_FAULT_MS, ready, topic, sleep, startStall, waitStatus } from "./stall"

// The sensors as the firmware finds them: the two voltage servers bound the other way
// round, a meter that stops answering, and two servers it cannot tell apart.
let live: Live
beforeAll(async () => {
    // the pilot's server first: the roles bind swapped, the names must set them right
    live = await startStall("mosquitto", { swapOrder: true })
    await ready(live)
})
afterAll(async () => live?.stop())

test("swapped bindings are told apart by measurementName", async () => {
    const since = live.collector.count
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 250 }, 4000],
        [{ pilot: "A", volts: 0, amps: 0 }, 0],
    ])
    const rec = (await live.collector.waitFor((m) => m.topic === topic("session"), 15_000, "record", since)).json as any
    // 100 kW for about 4 s: the bus voltage, not the 6 V pilot, was used
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

test("voltage servers that cannot be told apart are a fault with an event", async () => {
    const since = live.collector.count
    await live.replaceSensors({ ambiguousNames: true })
    await live.vm.restart()
    const ev = await live.collector.waitFor(
        (m) => (m.json as any)?.kind === "roles_ambiguous",
        30_000,
        "roles_ambiguous",
        since
    )
    expect((ev.json as any).detail).toContain("dc_bus")
    const st = await waitStatus(live, "faulted", 10_000, since)
    expect(st.json).toMatchObject({ faultReason: "roles" })
    await sleep(500)
})
