import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import { Collector } from "../../sim/live/collector"
import { check, cmd, drive, topic, sleep, startStall, waitStatus, ready } from "./stall"

// The broker dies before the session ends and is back 20 s after it ended: the
// record made while it was down arrives after the reconnect (the consumer keeps one
// per sessionId), and the retained status is current again.
let live: Live
beforeAll(async () => {
    live = await startStall("mosquitto")
    await ready(live)
})
afterAll(async () => live?.stop())

test("a record made while the broker was down is delivered after it returns", async () => {
    const c = live.collector
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 200 }, 3000],
    ])
    await live.broker!.kill()
    await drive(live, [
        [{ pilot: "C", volts: 400, amps: 200 }, 3000],
        [{ pilot: "B", volts: 400, amps: 0 }, 2000],
        [{ pilot: "A", volts: 0, amps: 0 }, 0],
    ])
    await sleep(20_000)
    const since = c.count
    const backAt = Date.now()
    await live.broker!.restart()
    const rec = await c.waitFor(
        (m) => m.topic === topic("session"),
        30_000,
        "the record after the broker returned",
        since
    )
    console.log(`e2e: broker back -> record delivered in ${rec.atMs - backAt} ms`)
    const r = rec.json as any
    expect(r).toMatchObject({ stallId: "S1", chargingMs: expect.any(Number) })
    expect(r.chargingMs).toBeGreaterThan(4000)

    // the consumer deduplicates by sessionId: every copy is the same record
    const copies = c.received.filter((m) => m.topic === topic("session")).map((m) => m.payload)
    expect(new Set(copies).size).toBe(1)
    const report = check(c.received)
    expect(report.schemaErrors).toEqual([])
    expect(report.records.map((x) => x.sessionId)).toEqual([r.sessionId])

    // acknowledged: no more resends
    await cmd(live, "ack", { sessionId: r.sessionId })
    await sleep(1000)

    // the retained status is current again (mosquitto lost it: no persistence)
    const fresh = await Collector.start(live.brokerAddress.url, { topics: topic("status") })
    const retained = await fresh.waitFor((m) => m.retain, 10_000, "retained status")
    await fresh.close()
    expect(retained.json).toMatchObject({ state: "available" })
})
