import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import type { Received } from "../../sim/live/collector"
import { siteOccupancyTopic } from "../../src/core/stall/index"
import { check, cmd, drive, json, PREFIX, topic, startStall, TIMELAPSE_TARIFF, waitStatus, ready } from "./stall"

// The site's inputs mid-session on the real firmware: the power manager switches sharing
// on and off while the car charges above 60 kW, and the backend's retained occupancy goes
// from 40 % to 100 % during the idle grace. The record must equal a replay of the tap.
const TARIFF = { ...TIMELAPSE_TARIFF, id: "E2E-SITE", idleMinOccupancyPct: 50, idleFullMultiplier: 2 }

let live: Live
beforeAll(async () => {
    live = await startStall("mosquitto")
    await ready(live)
})
afterAll(async () => live?.stop())

const tapEvent = (event: string, field: string, value: unknown) => (m: Received) =>
    m.topic === topic("tap") && (m.json as any)?.event === event && (m.json as any)[field] === value

test("sharing and occupancy mid-session: the record equals the replay of the tap", async () => {
    const c = live.collector
    const occupancy = async (percent: number) => {
        const since = c.count
        await c.publish(siteOccupancyTopic(PREFIX), JSON.stringify({ percent }), { retain: true })
        await c.waitFor(tapEvent("occupancy", "percent", percent), 10_000, `occupancy ${percent} applied`, since)
    }
    const sharing = async (on: boolean) => {
        const since = c.count
        await cmd(live, "sharing", { on })
        await c.waitFor(tapEvent("sharing", "on", on), 10_000, `sharing ${on} applied`, since)
    }
    await cmd(live, "tariff", TARIFF)
    await c.waitFor((m) => (m.json as any)?.kind === "tariff_changed", 10_000, "tariff_changed")
    await occupancy(40)

    const since = c.count
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 250 }, 6000], // 100 kW: tier 2
    ])
    await sharing(true) // paired: the periods it touches bill tier 1
    await drive(live, [[{ pilot: "C", volts: 400, amps: 250 }, 6000]])
    await sharing(false)
    await drive(live, [[{ pilot: "C", volts: 400, amps: 250 }, 6000]])
    live.sensors.set({ pilot: "B", volts: 400, amps: 0 })
    await waitStatus(live, "finished", 10_000, since)
    // within the 10 s grace: the first billable idle minute sees only a full site
    await occupancy(100)
    // 0 within the grace, 2 once the idle minute under way is billable
    await c.waitFor(
        (m) => m.topic === topic("telemetry") && (m.json as any).idleFactor === 2,
        TIMELAPSE_TARIFF.idleGraceMs + 10_000,
        "telemetry with idle factor 2 past the grace",
        since
    )
    live.sensors.set({ pilot: "A", volts: 0, amps: 0 })
    const rec = (await c.waitFor((m) => m.topic === topic("session"), 15_000, "session record", since)).json as any
    await cmd(live, "ack", { sessionId: rec.sessionId })
    await waitStatus(live, "available", 10_000, since)

    expect(rec.tariffId).toBe("E2E-SITE")
    expect(rec.sharedPeriods).toBeGreaterThan(0)
    expect(rec.tierMinutes[1]).toBeGreaterThan(0) // not every period was shared
    expect(rec.idleFullMinutes).toBeGreaterThan(0)
    expect(rec.idleFullMinutes).toBe(rec.idleBilledMinutes)
    expect(rec.cost.idleMinor).toBe(rec.idleFullMinutes * 2 * TARIFF.idlePerMinuteMinor)

    const telemetry = json(c.received.slice(since), "telemetry")
    expect(telemetry.some((t) => t.state === "charging" && t.sharing)).toBe(true)
    expect(telemetry.some((t) => t.state === "finished" && t.occupancyPct === 100 && t.idleFactor === 2)).toBe(true)

    const report = check(c.received)
    expect(report.schemaErrors).toEqual([])
    expect(report.records).toEqual([{ sessionId: rec.sessionId, verifiable: true, diff: null }])
    const events = report.traceRows.filter((r: any) => r.event === "sharing" || r.event === "occupancy")
    expect(events.map((r: any) => r.on ?? r.percent)).toEqual([40, true, false, 100])
    console.log(
        `e2e: sharedPeriods ${rec.sharedPeriods}, tierMinutes ${JSON.stringify(rec.tierMinutes)}, ` +
            `idleFullMinutes ${rec.idleFullMinutes}, idleMinor ${rec.cost.idleMinor}, total ${rec.cost.totalMinor}`
    )
})
