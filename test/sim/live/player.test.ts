import { expect, test } from "vitest"
import { playTrace } from "../../../sim/live/player"
import type { Row } from "../../../sim/scenario/scenario"

// The player hands the scenario's v2 events to whoever drives the stall: sharing as the
// stall's command, occupancy as the site's; neither is taken for a power cut.
test("sharing becomes cmd/sharing and occupancy the site's, in order; no power cut", async () => {
    const calls: unknown[] = []
    const rows: Row[] = [
        [0, "B", 400, 0],
        { t: 1, event: "occupancy", percent: 60 },
        { t: 2, event: "sharing", on: true },
        [3, "C", 400, 100],
        { t: 4, event: "sharing", on: false },
        [5, "C", 400, 100],
    ]
    await playTrace({ set: () => undefined, fail: () => undefined }, rows, {
        command: async (name, body) => void calls.push([name, body]),
        occupancy: async (percent) => void calls.push(["occupancy", percent]),
        powerOff: async () => void calls.push("off"),
        powerOn: async () => void calls.push("on"),
    })
    expect(calls).toEqual([
        ["occupancy", 60],
        ["sharing", { on: true }],
        ["sharing", { on: false }],
    ])
})
