import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import { check, cmd, drive, json, topic, sleep, startStall, TIMELAPSE_TARIFF, waitStatus, ready } from "./stall"

// The VM is killed mid-charge and restarted: the session resumes from flash, the
// record shows the outage, and the outage is not billed.
let live: Live
beforeAll(async () => {
    live = await startStall("mosquitto")
    await ready(live)
})
afterAll(async () => live?.stop())

test("a power cut mid-charge: resumed from flash, outage reported, not billed", async () => {
    const c = live.collector
    await cmd(live, "tariff", TIMELAPSE_TARIFF)
    await c.waitFor((m) => (m.json as any)?.kind === "tariff_changed", 10_000, "tariff_changed")
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 250 }, 7000],
    ])
    await live.vm.kill()
    const outageMs = 4000
    await sleep(outageMs)
    const since = c.count
    await live.vm.restart()
    const boot = await c.waitFor((m) => (m.json as any)?.kind === "boot", 30_000, "boot event", since)
    expect((boot.json as any).detail).toContain("accounts restored")
    await drive(live, [
        [{ pilot: "C", volts: 400, amps: 250 }, 5000],
        [{ pilot: "B", volts: 400, amps: 0 }, 2000],
        [{ pilot: "A", volts: 0, amps: 0 }, 0],
    ])
    const rec = (await c.waitFor((m) => m.topic === topic("session"), 15_000, "the record", since)).json as any

    // the session went on: same session id, charging again right after the boot
    expect(json(c.received.slice(since), "status")[0]).toMatchObject({ state: "charging", sessionId: rec.sessionId })
    expect(rec.tariffId).toBe("E2E-TIMELAPSE")
    expect(rec.faults.outages).toBe(1)
    // from the last checkpoint to the first sample after boot (the board has no clock to
    // measure how long it was off): at least the ~2 s the VM takes to boot
    expect(rec.faults.outageMs).toBeGreaterThanOrEqual(1000)
    // the outage is neither charging nor idle time
    expect(rec.chargingMs + rec.idleMs + rec.faults.outageMs).toBeLessThanOrEqual(rec.unpluggedAtMs - rec.pluggedAtMs)
    // and the record is what a replay of the consumed samples, cut at the checkpoint, gives
    const report = check(c.received)
    expect(report.schemaErrors).toEqual([])
    expect(report.records).toEqual([{ sessionId: rec.sessionId, verifiable: true, diff: null }])
})
