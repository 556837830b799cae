import { join } from "node:path"
import { describe, expect, it } from "vitest"
import mqtt, { type MqttClient } from "mqtt"
import { fleetCommand, formatReport } from "../../../sim/commands/fleet"
import { runFleet, type FleetReport } from "../../../sim/fleet/fleet"
import { siteOccupancyTopic } from "../../../src/core/stall/index"
import { loopedRows, phaseScenario, pickStart, rowTime } from "../../../sim/fleet/timeline"
import { percentile, summarize } from "../../../sim/report/percentiles"
import { mulberry32 } from "../../../sim/scenario/scenario"
import { loadShipped, SCENARIO_DIR } from "../helpers"

function capture() {
    let text = ""
    return { writer: { isTTY: false, write: (s: string) => (text += s) }, text: () => text }
}

async function fleet(...argv: string[]) {
    const out = capture()
    const err = capture()
    const code = await fleetCommand(argv, { stdout: out.writer, stderr: err.writer })
    return { code, stdout: out.text(), stderr: err.text() }
}

function expectOrdered(s: { p50: number | null; p95: number | null; p99: number | null; max: number | null }) {
    expect(s.p50).toBeGreaterThanOrEqual(0)
    expect(s.p95).toBeGreaterThanOrEqual(s.p50!)
    expect(s.p99).toBeGreaterThanOrEqual(s.p95!)
    expect(s.max).toBeGreaterThanOrEqual(s.p99!)
}

describe("percentiles", () => {
    it("are nearest-rank: always a measured value", () => {
        const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
        const sorted = [...xs].sort((a, b) => a - b)
        expect(percentile(sorted, 50)).toBe(5)
        expect(percentile(sorted, 95)).toBe(10)
        expect(percentile(sorted, 10)).toBe(1)
        expect(percentile(sorted, 100)).toBe(10)
        expect(percentile([7], 99)).toBe(7)
        expect(percentile([], 50)).toBeNull()
        expect(() => percentile(sorted, 0)).toThrow(RangeError)
    })

    it("summarize sorts a copy and rounds", () => {
        const xs = [3.14159, 1, 2]
        expect(summarize(xs)).toEqual({ count: 3, p50: 2, p95: 3.14, p99: 3.14, max: 3.14 })
        expect(xs).toEqual([3.14159, 1, 2])
        expect(summarize([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null })
        // 1..1000: p99 is the 990th value
        expect(summarize(Array.from({ length: 1000 }, (_, i) => 1000 - i))).toMatchObject({
            p50: 500,
            p95: 950,
            p99: 990,
            max: 1000,
        })
    })
})

describe("fleet timeline", () => {
    it("starts each stall at an arrival of the busy part, deterministically", () => {
        const sc = loadShipped("busy-day.json")
        const arrivals = sc.visits.map((v) => v.arriveMin)
        const a = Array.from(
            { length: 50 },
            (
                (r) => () =>
                    pickStart(sc, r)
            )(mulberry32(7))
        )
        const b = Array.from(
            { length: 50 },
            (
                (r) => () =>
                    pickStart(sc, r)
            )(mulberry32(7))
        )
        expect(a).toEqual(b)
        for (const s of a) {
            expect(arrivals).toContain(s.phaseMin)
            expect(s.warmUpMs % 1000).toBe(0)
            expect(s.warmUpMs).toBeLessThan(120 * 60_000)
        }
        expect(new Set(a.map((s) => s.phaseMin)).size).toBeGreaterThan(5)
    })

    it("wraps what falls before the phase round the day, and loops with a continuing clock", () => {
        const sc = loadShipped("reboot-mid-session.json")
        const phased = phaseScenario(sc, 10)
        expect(phased.visits[0].arriveMin).toBe(1440 - 9)
        expect(phased.reboots!.map((r) => r.atMin)).toEqual([5, 22])
        const rows = loopedRows(phaseScenario(sc, 1), 1)
        let last = -1
        let reboots = 0
        for (let i = 0; i < 6000; i++) {
            const row = rows.next().value!
            const t = rowTime(row)
            expect(t).toBeGreaterThanOrEqual(last)
            last = t
            if (!Array.isArray(row) && row.event === "reboot") reboots++
        }
        // one visit of ~40 minutes a repetition: 6000 rows span more than one
        expect(reboots).toBeGreaterThan(2)
    })
})

describe("sim fleet", () => {
    it("runs five stalls for two simulated hours through aedes: every record delivered, valid, timed", async () => {
        const { code, stdout, stderr } = await fleet(
            "--stalls",
            "5",
            "--minutes",
            "120",
            "--speed",
            "3600",
            "--json",
            "--seed",
            "3"
        )
        expect(stderr).toContain("fleet: connecting 5 stalls")
        const r = JSON.parse(stdout) as FleetReport
        expect(code, stdout).toBe(0)
        expect(r).toMatchObject({
            stalls: 5,
            simulatedMinutes: 120,
            speed: 3600,
            seed: 3,
            ok: true,
            connectionFailures: 0,
            stallsOffline: 0,
        })
        expect(r.records.published).toBeGreaterThan(0)
        expect(r.records).toMatchObject({ received: r.records.published, lost: 0, unacked: 0 })
        expect(r.sessionsClosed).toBe(r.records.published)
        expect(r.schema.errors).toBe(0)
        expect(r.schema.checked).toBeGreaterThanOrEqual(r.records.received)
        expect(Object.keys(r.messages.byKind).sort()).toEqual(["event", "session", "status", "telemetry"])
        expect(r.messages.received).toBe(Object.values(r.messages.byKind).reduce((n, k) => n + k.count, 0))
        expect(r.messages.perSecond).toBeGreaterThan(0)
        expect(r.bytesPerSession).toBe(Math.round(r.published.bytes / r.sessionsClosed))
        expect(r.latencyMs.records.count).toBe(r.records.received)
        expect(r.latencyMs.status.count).toBeGreaterThan(0)
        expectOrdered(r.latencyMs.records)
        expectOrdered(r.latencyMs.status)
        expect(r.realSeconds).toBeGreaterThanOrEqual(2)
    })

    it("publishes the site occupancy from its stalls' statuses, retained, only when it changes", async () => {
        const seen: number[] = []
        let client: MqttClient | undefined
        const r = await runFleet({
            stalls: 4,
            minutes: 120,
            speed: 1200,
            seed: 5,
            onBroker: async (url) => {
                client = await mqtt.connectAsync(url, { reconnectPeriod: 0 })
                client.on("message", (_t, buf) => {
                    if (buf.length) seen.push(JSON.parse(buf.toString()).percent)
                })
                await client.subscribeAsync(siteOccupancyTopic("stalls"), { qos: 1 })
            },
        })
        await client?.endAsync(true)
        expect(r.ok).toBe(true)
        expect(r.occupancy!.publishes).toBeGreaterThan(1)
        expect(seen.length).toBeGreaterThan(1)
        expect(seen.length).toBeLessThanOrEqual(r.occupancy!.publishes)
        // four stalls: a quarter each; each publication a change
        for (const p of seen) expect([0, 25, 50, 75, 100]).toContain(p)
        seen.slice(1).forEach((p, i) => expect(p).not.toBe(seen[i]))
        expect(formatReport(r)).toContain(`site occupancy     ${r.occupancy!.publishes} published (retained), last `)
    })

    it("brings stalls back from power cuts without losing a record", async () => {
        const scenario = join(SCENARIO_DIR, "reboot-mid-session.json")
        const { code, stdout } = await fleet(
            "--stalls",
            "2",
            "--minutes",
            "90",
            "--speed",
            "1200",
            "--scenario",
            scenario
        )
        expect(code, stdout).toBe(0)
        expect(stdout).toMatch(/Fleet of 2 stalls on aedes/)
        // one ~40-minute visit a repetition, two reboots in each: at least two records a stall
        const published = Number(/records +published (\d+), received (\d+), lost 0/.exec(stdout)?.[1])
        expect(published).toBeGreaterThanOrEqual(4)
        expect(stdout).toMatch(/connection fails +0 /)
        expect(stdout).toMatch(/result +OK/)
    })
    it("rejects bad arguments with exit code 2 and one line", async () => {
        for (const argv of [
            [],
            ["--stalls", "5"],
            ["--stalls", "0", "--minutes", "1"],
            ["--stalls", "2", "--minutes", "1", "--speed", "-1"],
            ["--stalls", "2", "--minutes", "1", "--broker", "localhost"],
            ["--stalls", "2", "--minutes", "1", "--scenario", "missing.json"],
            ["--stalls", "2", "--minutes", "1", "extra"],
        ]) {
            const { code, stdout, stderr } = await fleet(...argv)
            expect(code, argv.join(" ")).toBe(2)
            expect(stdout).toBe("")
            expect(stderr.trim().split("\n")).toHaveLength(1)
            expect(stderr).toMatch(/^sim fleet: /)
        }
    })
})
