import { afterAll, beforeAll, describe, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import { Collector } from "../../sim/live/collector"
import {
    check,
    cmd,
    drive,
    json,
    topic,
    SESSION,
    sleep,
    startStall,
    TIMELAPSE_TARIFF,
    waitStatus,
    ready,
} from "./stall"

// A whole session on the real firmware: plug, authorize, charge across the tier
// threshold, finish, idle past the grace, unplug. The record that arrives over
// MQTT must equal a replay of the samples the firmware consumed.
describe("a whole session, end to end", () => {
    let live: Live

    beforeAll(async () => {
        live = await startStall("mosquitto")
        await ready(live)
    })
    afterAll(async () => live?.stop())

    test("record equals the replay, statuses in order, will on power loss", async () => {
        const c = live.collector
        await cmd(live, "tariff", TIMELAPSE_TARIFF)
        await c.waitFor((m) => (m.json as any)?.kind === "tariff_changed", 10_000, "tariff_changed")
        await cmd(live, "authorize", { account: "bmw-app:42", freeWh: 0 })
        await c.waitFor((m) => (m.json as any)?.kind === "authorized", 10_000, "authorized")

        const since = c.count
        const pluggedAt = Date.now()
        const preparing = waitStatus(live, "preparing", 10_000, since)
        const drove = drive(live, SESSION)
        const statusLatencyMs = (await preparing).atMs - pluggedAt
        await drove
        const rec = (await c.waitFor((m) => m.topic === topic("session"), 15_000, "session record", since)).json as any
        await cmd(live, "ack", { sessionId: rec.sessionId })
        await waitStatus(live, "available", 10_000, since)

        expect(rec).toMatchObject({ account: "bmw-app:42", tariffId: "E2E-TIMELAPSE", stallId: "S1" })
        expect(rec.tierMinutes[0]).toBeGreaterThan(0)
        expect(rec.tierMinutes[1]).toBeGreaterThan(0)
        expect(rec.idleMs).toBeGreaterThan(TIMELAPSE_TARIFF.idleGraceMs)
        expect(rec.idleBilledMinutes).toBe(1)
        expect(rec.cost.idleMinor).toBe(35)

        const report = check(c.received)
        expect(report.schemaErrors).toEqual([])
        expect(report.records).toEqual([{ sessionId: rec.sessionId, verifiable: true, diff: null }])
        const states = json(c.received.slice(since), "status").map((s) => s.state)
        expect(states).toEqual(["preparing", "charging", "finished", "available"])

        // a fresh subscriber gets the retained status
        const late = await Collector.start(live.brokerAddress.url, { topics: topic("status") })
        const retained = await late.waitFor((m) => m.retain, 5000, "retained status")
        await late.close()
        expect(retained.json).toMatchObject({ state: "available", connector: "NACS" })

        const sessionBytes = ["status", "telemetry", "session"].reduce((n, k) => n + (report.byKind[k]?.bytes ?? 0), 0)
        console.log(`e2e: pilot change -> status ${statusLatencyMs} ms; status+telemetry+record ${sessionBytes} bytes`)

        // power loss: the broker publishes the will, retained
        const beforeKill = c.count
        await live.vm.kill()
        const will = await c.waitFor(
            (m) => m.topic === topic("status") && m.retain !== undefined && (m.json as any)?.state === "offline",
            10_000,
            "the will",
            beforeKill
        )
        expect(will.json).toEqual({ v: 1, stallId: "S1", state: "offline" })
    })
})
