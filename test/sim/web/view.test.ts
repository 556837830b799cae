import { describe, expect, test } from "vitest"
import type { Tariff } from "../../../src/core/billing/index"
import { commandTopic, offlineMessage, stallTopic } from "../../../src/core/stall/index"
import { replayTrace, type SessionRecord } from "../../../src/core/trace/index"
import { tracePeriods } from "../../../sim/report/periods"
import { formatSession } from "../../../sim/report/summary"
import { scenarioToTraces, type Trace } from "../../../sim/scenario/scenario"
import { SiteView } from "../../../sim/web/view"
import { loadShipped, STALL, stallTraffic as traffic } from "../helpers"

const PREFIX = STALL.prefix

function shipped(name: string): Trace {
    return scenarioToTraces(loadShipped(name), { seed: 1 })[0].trace
}

function fed(trace: Trace, opts = { tap: false, telemetryMs: 10_000 }, tariff: Tariff = trace.tariff) {
    const view = new SiteView({ prefix: PREFIX, tariff, storing: true })
    const sent = traffic(trace, opts)
    for (const p of sent) view.message(p.topic, p.payload)
    const records = sent.filter((p) => p.topic.endsWith("session")).map((p) => JSON.parse(p.payload))
    return { view, records: records as (SessionRecord & { sessionId: string })[] }
}

describe("SiteView", () => {
    test("a session's tile, record and chart, from what the stall published", () => {
        const trace = shipped("idle-hog.json")
        const { view, records } = fed(trace)
        const [replayed] = replayTrace(trace).filter((o) => o.type === "session") as SessionRecord[]
        expect(records.length).toBeGreaterThanOrEqual(1)

        const [tile] = view.tilesSince(-1)
        expect(tile).toMatchObject({ stallId: "S1", state: "available", online: true, connector: "CCS2" })
        const [row] = view.recordsSince(-1)
        expect(row).toMatchObject({
            sessionId: records[0].sessionId,
            stallId: "S1",
            totalMinor: replayed.cost.totalMinor,
            currency: replayed.currency,
            acked: false,
            stored: false,
        })
        expect(row.text).toBe(formatSession(records[0], trace.tariff.periodMs))

        const svg = view.chart("S1")!
        expect(svg).toContain('class="threshold"')
        expect(svg).toContain('class="power"')
        expect(svg).toContain('class="idle"')
        expect(svg).toContain('class="grace"')
        const periods = (svg.match(/class="period tier-/g) ?? []).length
        expect(periods).toBe(replayed.tierMinutes.reduce((a, b) => a + b, 0))
    })

    test("the strip under the chart shows the last session's billed periods, in the replay's tiers", () => {
        for (const name of ["de-tiers.json", "v3-four-tiers.json", "demo-timelapse.json"]) {
            const trace = shipped(name)
            const expected = tracePeriods(trace)
            const { view } = fed(trace, { tap: false, telemetryMs: 10_000 })
            // the view keeps the last session's chart
            const svg = view.chart("S1")!
            const drawn = [...svg.matchAll(/class="period tier-(\d+)"/g)].map((m) => Number(m[1]))
            expect(drawn.length, name).toBeGreaterThan(0)
            expect(drawn, name).toEqual(expected.slice(expected.length - drawn.length).map((p) => p.tier))
        }
    })

    test("telemetry tiles run with the samples of the tap: power and the idle timer", () => {
        const trace = shipped("demo-timelapse.json")
        const view = new SiteView({ prefix: PREFIX, tariff: trace.tariff })
        const sent = traffic(trace, { tap: true, telemetryMs: 5000 })
        const states: string[] = []
        let idleSeen = 0
        let since = -1
        for (const p of sent) {
            view.message(p.topic, p.payload)
            for (const t of view.tilesSince(since)) {
                if (states[states.length - 1] !== t.state) states.push(t.state)
                if (t.state === "finished") idleSeen = Math.max(idleSeen, t.idleMs)
            }
            since = view.rev
        }
        expect(states).toEqual(["available", "preparing", "charging", "finished", "available"])
        // the scenario idles 30 s: the timer passed the 10 s grace between telemetry messages
        expect(idleSeen).toBeGreaterThan(trace.tariff.idleGraceMs)
        expect(view.recordsSince(-1)[0].stored).toBeNull()
    })

    test("acks, the backend's commit, the will and an authorization change what the page shows", () => {
        const trace = shipped("de-tiers.json")
        const { view, records } = fed(trace)
        const id = records[0].sessionId
        const before = view.rev
        view.message(commandTopic(PREFIX, "S1", "ack"), JSON.stringify({ sessionId: id }))
        view.stored(id)
        expect(view.recordsSince(before)).toMatchObject([{ sessionId: id, acked: true, stored: true }])

        view.message(stallTopic(PREFIX, "S1", "status"), offlineMessage(STALL))
        expect(view.tilesSince(before)[0]).toMatchObject({ state: "offline", online: false, connector: "CCS2" })
        expect(view.site().connectors).toEqual([{ connector: "CCS2", free: 0, total: 1 }])

        // an authorization while no session is open is for the next one
        view.message(commandTopic(PREFIX, "S1", "authorize"), JSON.stringify({ account: "next-driver" }))
        view.message(
            stallTopic(PREFIX, "S1", "status"),
            JSON.stringify({
                v: 1,
                stallId: "S1",
                state: "preparing",
                connector: "CCS2",
                sessionId: "S1-1-99",
                sinceMs: 9e9,
            })
        )
        expect(view.tilesSince(-1)[0]).toMatchObject({ state: "preparing", account: "next-driver", online: true })
    })

    test("a commit or an ack seen before its record still marks the record's row", () => {
        const trace = shipped("de-tiers.json")
        const view = new SiteView({ prefix: PREFIX, tariff: trace.tariff, storing: true })
        const sent = traffic(trace, { tap: false, telemetryMs: 10_000 })
        const id = JSON.parse(sent.find((p) => p.topic.endsWith("/session"))!.payload).sessionId
        view.stored(id)
        view.message(commandTopic(PREFIX, "S1", "ack"), JSON.stringify({ sessionId: id }))
        for (const p of sent) view.message(p.topic, p.payload)
        expect(view.recordsSince(-1).find((r) => r.sessionId === id)).toMatchObject({ acked: true, stored: true })
    })

    test("what is not a stall's message is counted and changes nothing", () => {
        const view = new SiteView({ prefix: PREFIX })
        for (const [topic, payload] of [
            ["elsewhere/S1/status", "{}"],
            [stallTopic(PREFIX, "S1", "telemetry"), "not json"],
            [stallTopic(PREFIX, "S1", "status"), ""],
            [stallTopic(PREFIX, "S1", "session"), JSON.stringify({ sessionId: 3 })],
        ])
            view.message(topic, payload)
        expect(view.messages).toBe(4)
        expect(view.recordsSince(-1)).toEqual([])
        expect(view.tilesSince(-1).map((t) => t.state)).toEqual(["unknown"])
    })
})
