import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import type { Received } from "../../sim/live/collector"
import { drive, json, ready, topic, startStall, waitStatus } from "./stall"

// The uptime guard with a tiny threshold. A planned restart is a device reboot (only a
// chip reset restarts the runtime's 32-bit wake times): the WASM VM exits then, and the
// test powers it up again as a board would come back by itself.
const RESTART_MS = 15_000
let live: Live
beforeAll(async () => {
    live = await startStall("mosquitto", undefined, { restartMs: RESTART_MS, hardRestartMs: RESTART_MS })
    await ready(live)
})
afterAll(async () => live?.stop())

const isKind = (kind: string) => (m: Received) => m.topic === topic("event") && (m.json as any)?.kind === kind

/** The planned restart after `since`; then the VM exits, is powered up again, and boots. */
async function plannedReboot(since: number, timeoutMs: number): Promise<any> {
    const ev = (await live.collector.waitFor(isKind("planned_restart"), timeoutMs, "planned_restart", since)).json
    await live.vm.exited
    const up = live.collector.count
    await live.vm.restart()
    const boot = (await live.collector.waitFor(isKind("boot"), 30_000, "boot after the reboot", up)).json as any
    await waitStatus(live, "available", 30_000, up)
    return { ev, boot }
}

test("past its uptime limit an available stall reboots by itself, the event first", async () => {
    const { ev, boot } = await plannedReboot(0, RESTART_MS + 30_000)
    expect(ev.detail).toContain("stall available")
    expect(boot.detail).toMatch(/^boot 2\b/)
})

test("a session holds it off; it reboots once the session has closed and its record is out", async () => {
    const since = live.collector.count
    // a session across the threshold: uptime restarted from 0 with the reboot above
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 100 }, RESTART_MS + 3000],
        [{ pilot: "A", volts: 0, amps: 0 }, 0],
    ])
    const rec = (await live.collector.waitFor((m) => m.topic === topic("session"), 15_000, "record", since)).json as any
    const during = live.collector.received.slice(since).findIndex((m) => m.topic === topic("session"))
    // nothing planned while the session was open
    expect(json(live.collector.received.slice(since, since + during), "event").map((e) => e.kind)).not.toContain(
        "planned_restart"
    )
    const { boot } = await plannedReboot(since, 30_000)
    expect(boot.detail).toMatch(/^boot 3\b/)
    expect(rec.energyWh).toBeGreaterThan(0)
})
