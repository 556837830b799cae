import { describe, expect, it } from "vitest"
import { presetTariff } from "../../../src/core/billing/index"
import { commandTopic } from "../../../src/core/stall/index"
import { clock, followTrace, type FollowOptions } from "../../../sim/commands/sensors-play"
import type { SensorValues, MeterFailure } from "../../../sim/live/sensors"
import type { Row } from "../../../sim/scenario/scenario"

const DE = presetTariff("DE-2017")!

/** What the player asked of the sensors, in order. */
function fakeSensors() {
    const calls: string[] = []
    return {
        calls,
        set: (v: SensorValues) => void calls.push(`set ${v.pilot} ${v.volts} ${v.amps}`),
        fail: (failed: boolean, how?: MeterFailure) => void calls.push(`fail ${failed} ${how}`),
    }
}

// a few milliseconds apart: real time, but short
const ROWS: Row[] = [
    [0, "A", 0, 0],
    { t: 2, event: "authorize", account: "acct-1", freeWh: 500 },
    [4, "B", 400, 0],
    [6, "C", 400, 100],
    [8, "C", null, null],
    [10, "A", 0, 0],
]

async function follow(rows: Row[], options: Partial<FollowOptions> = {}) {
    const sensors = fakeSensors()
    const lines: string[] = []
    await followTrace(sensors, rows, DE, {
        prefix: "stalls",
        stallId: "bay-7",
        stallTariff: DE,
        publish: null,
        out: (l) => lines.push(l),
        ...options,
    })
    return { calls: sensors.calls, lines }
}

describe("sim sensors, scenario mode", () => {
    it("serves every sample, a missing reading as NaN", async () => {
        const { calls } = await follow(ROWS)
        expect(calls.filter((c) => c.startsWith("set"))).toEqual([
            "set A 0 0",
            "set B 400 0",
            "set C 400 100",
            "set C 0 0",
            "set A 0 0",
        ])
        expect(calls.filter((c) => c.startsWith("fail"))).toEqual([
            "fail false nan",
            "fail false nan",
            "fail false nan",
            "fail true nan",
            "fail false nan",
        ])
    })

    it("prints progress at each change and the command to publish, its topic from the topic tree", async () => {
        const { lines } = await follow(ROWS)
        const topic = commandTopic("stalls", "bay-7", "authorize")
        expect(lines.map((l) => l.replace(/^\[[^\]]+\] /, ""))).toEqual([
            "sensors   pilot A · 0.0 V · 0.0 A · 0.0 kW",
            `authorize publish to ${topic}: {"account":"acct-1","freeWh":500}`,
            "sensors   pilot B · 400.0 V · 0.0 A · 0.0 kW",
            "sensors   pilot C · 400.0 V · 100.0 A · 40.0 kW",
            "sensors   pilot C · meter reads NaN",
            "sensors   pilot A · 0.0 V · 0.0 A · 0.0 kW",
            "done      5 samples served",
        ])
        expect(lines[0]).toMatch(/^\[0:00 \/ 0:00\] /)
    })

    it("with a broker, publishes the commands, and first a tariff the stall does not have", async () => {
        const published: [string, string][] = []
        const other = { ...DE, id: "OTHER", perMinuteMinor: [1, 2] }
        const { lines } = await follow(ROWS, {
            stallTariff: other,
            publish: async (topic, payload) => void published.push([topic, payload]),
        })
        expect(published).toEqual([
            [commandTopic("stalls", "bay-7", "tariff"), JSON.stringify(DE)],
            [commandTopic("stalls", "bay-7", "authorize"), '{"account":"acct-1","freeWh":500}'],
        ])
        expect(lines.filter((l) => l.includes("published to"))).toHaveLength(2)
    })

    it("a reboot: power off at the last sample before it, on at the reboot row", async () => {
        const rows: Row[] = [[0, "C", 400, 100], [2, "C", 400, 100], { t: 6, event: "reboot" }, [8, "C", 400, 100]]
        const { lines } = await follow(rows)
        const reboots = lines.filter((l) => l.includes("reboot "))
        expect(reboots.map((l) => l.replace(/^\[[^\]]+\] /, ""))).toEqual([
            "reboot    the scenario reboots the stall: power it off now (the sensors keep their values)",
            "reboot    power the stall back on now",
        ])
    })

    it("clock", () => {
        expect([0, 7_000, 750_000, 3_723_000].map(clock)).toEqual(["0:00", "0:07", "12:30", "1:02:03"])
    })
})
