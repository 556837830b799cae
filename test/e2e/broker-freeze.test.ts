import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import { Collector } from "../../sim/live/collector"
import { check, drive, json, topic, sleep, startStall, waitStatus, ready } from "./stall"

// The broker freezes (SIGSTOP) for 30 s while a session goes on: the stall notices,
// reconnects when it thaws, and nothing is lost.
let live: Live
beforeAll(async () => {
    live = await startStall("mosquitto")
    await ready(live)
})
afterAll(async () => live?.stop())

test("a frozen broker is detected, and after it thaws nothing is lost", async () => {
    const c = live.collector
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 200 }, 3000],
    ])
    const linesBefore = live.vm.lineCount
    const frozenAt = Date.now()
    live.broker!.freeze()
    const down = live.vm.waitForLine(/link down: (.*)/, 20_000, linesBefore)
    live.sensors.set({ pilot: "B", volts: 400, amps: 0 })
    const why = await down
    const detectedMs = Date.now() - frozenAt
    await sleep(30_000 - detectedMs)
    live.sensors.set({ pilot: "A", volts: 0, amps: 0 })
    await sleep(1000)
    const thawedAt = Date.now()
    const since = c.count
    live.broker!.thaw()
    const rec = await c.waitFor((m) => m.topic === topic("session"), 30_000, "the record after the thaw", since)
    console.log(
        `e2e: frozen broker detected in ${detectedMs} ms (${why[1]}); record ${rec.atMs - thawedAt} ms after the thaw`
    )
    expect(detectedMs).toBeLessThan(15_000)

    const events = json(c.received, "event").map((e) => e.kind)
    expect(events).toContain("link_reset")
    expect(check(c.received).schemaErrors).toEqual([])
    expect((rec.json as any).chargingMs).toBeGreaterThan(2000)

    // a late will for the frozen connection must not leave the stall "offline"
    await sleep(3000)
    const fresh = await Collector.start(live.brokerAddress.url, { topics: topic("status") })
    const retained = await fresh.waitFor((m) => m.retain, 10_000, "retained status")
    await fresh.close()
    expect(retained.json).toMatchObject({ state: "available" })
})
