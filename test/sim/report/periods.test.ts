import { describe, expect, test } from "vitest"
import { replayTrace, type SessionRecord } from "../../../src/core/trace/index"
import { BilledPeriods, tracePeriods } from "../../../sim/report/periods"
import { scenarioToTraces } from "../../../sim/scenario/scenario"
import { loadShipped, stallTraffic } from "../helpers"

const SCENARIOS = ["de-tiers.json", "v3-four-tiers.json", "demo-timelapse.json", "idle-hog.json", "faulty-meter.json"]

describe("billed periods", () => {
    test.each(SCENARIOS)("%s: as many as the records bill, in their tiers, back to back", (name) => {
        const [{ trace }] = scenarioToTraces(loadShipped(name), { seed: 1 })
        const records = replayTrace(trace).filter((o) => o.type === "session") as SessionRecord[]
        const spans = tracePeriods(trace)
        const counted = spans.reduce((n: number[], s) => ((n[s.tier] = (n[s.tier] ?? 0) + 1), n), [])
        const billed = records.reduce((n: number[], r) => r.tierMinutes.map((m, i) => (n[i] ?? 0) + m), [] as number[])
        expect(billed.map((_, i) => counted[i] ?? 0)).toEqual(billed)
        for (const s of spans) expect(s.toMs).toBeGreaterThan(s.fromMs)
        for (let i = 1; i < spans.length; i++) expect(spans[i].fromMs).toBeGreaterThanOrEqual(spans[i - 1].toMs - 1e-6)
    })

    test.each(SCENARIOS)("%s: placed from the stall's telemetry (every 10 s) as from its samples", (name) => {
        const [{ trace }] = scenarioToTraces(loadShipped(name), { seed: 1 })
        const expected = tracePeriods(trace)
        let periods = new BilledPeriods(trace.tariff.periodMs)
        const placed = []
        let session: string | null = null
        for (const p of stallTraffic(trace, { tap: false, telemetryMs: 10_000 })) {
            const m = JSON.parse(p.payload)
            if (p.topic.endsWith("/telemetry") && m.sessionId) {
                if (m.sessionId !== session)
                    [session, periods] = [m.sessionId, new BilledPeriods(trace.tariff.periodMs)]
                periods.telemetry(m)
            }
            if (p.topic.endsWith("/session") && m.sessionId === session) {
                periods.record(m)
                placed.push(...periods.spans)
                session = null
            }
        }
        expect(placed.map((s) => s.tier)).toEqual(expected.map((s) => s.tier))
        placed.forEach((s, i) => {
            expect(s.fromMs).toBeCloseTo(expected[i].fromMs, 3)
            expect(s.toMs).toBeCloseTo(expected[i].toMs, 3)
        })
    })
})
