import { describe, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { replayTrace, SessionRecord } from "../../src/core/trace/replay"
import { ROOT } from "../helpers/devs"

// The worked examples of docs/tariffs.md, replayed: the figures the text quotes.
function record(name: string): SessionRecord {
    const trace = JSON.parse(readFileSync(join(ROOT, "docs", "examples", name), "utf8"))
    const records = replayTrace(trace).filter((o): o is SessionRecord => o.type === "session")
    expect(records).toHaveLength(1)
    return records[0]
}

describe("docs/tariffs.md examples", () => {
    test("sharing: minutes 2 and 3 shared, billed tier 1", () => {
        const r = record("sharing-tier1.json")
        expect([r.tierMinutes, r.sharedPeriods, r.cost.timeMinor]).toEqual([[2, 2], 2, 102])
    })

    test("idle by occupancy: factors 1, 0, 1, 2, 2", () => {
        const r = record("idle-occupancy.json")
        expect([r.idleBilledMinutes, r.idleFullMinutes, r.cost.idleMinor, r.cost.totalMinor]).toEqual([4, 2, 210, 244])
    })

    test("the same session per kWh", () => {
        const r = record("de-per-kwh.json")
        expect([r.energyWh, r.cost.energyMinor, r.cost.idleMinor, r.cost.totalMinor]).toEqual([1667, 87, 210, 297])
    })
})
