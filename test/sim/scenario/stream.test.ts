import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
    parseScenario,
    playScenario,
    scenarioRows,
    type Row,
    type RowSink,
    type Scenario,
    type SimOptions,
} from "../../../sim/scenario/scenario"
import { arbScenario } from "../../helpers/synthetic"
import { loadShipped, scenarioFiles } from "../helpers"

/** Each row of the run as JSON text, stall by stall, from the sink path (playScenario). */
function playedRows(sc: Scenario, opts: SimOptions): string[] {
    const rows: string[] = []
    const put = (stall: number, row: Row) => rows.push(`${stall} ${JSON.stringify(row)}`)
    const sink: RowSink = {
        sample: (stall, t, pilot, volts, amps) => put(stall, [t, pilot, volts, amps]),
        event: put,
    }
    playScenario(sc, opts, sink)
    return rows
}

/** The same from the materialising generator (scenarioRows), every day simulated. */
function simulatedRows(sc: Scenario, opts: SimOptions): string[] {
    const rows: string[] = []
    for (const { stall, row } of scenarioRows(sc, { ...opts, everyDay: true }))
        rows.push(`${stall} ${JSON.stringify(row)}`)
    return rows
}

/** Index and text of the first row where two runs part, for a readable failure. */
function firstDifference(a: string[], b: string[]): [number, string | undefined, string | undefined] | null {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return [i, a[i], b[i]]
    return null
}

describe("streamed rows", () => {
    it("are the simulated rows, replayed days included, for random scenarios, seeds and days", () => {
        fc.assert(
            fc.property(
                arbScenario(),
                fc.integer({ min: 0, max: 0xffffffff }),
                fc.integer({ min: 1, max: 3 }),
                (sc, seed, days) => {
                    const opts = { seed, days }
                    expect(firstDifference(playedRows(sc, opts), simulatedRows(sc, opts))).toBeNull()
                }
            ),
            { numRuns: 12 }
        )
    })

    it.each(scenarioFiles())("%s: the same over two days", (name) => {
        const opts = { seed: 9, days: 2 }
        expect(firstDifference(playedRows(loadShipped(name), opts), simulatedRows(loadShipped(name), opts))).toBeNull()
    })

    it("are the simulated rows when a stay or an authorization runs past midnight", () => {
        const sc = parseScenario({
            stall: { powerLimitKw: 150 },
            tariff: "DE-2017",
            meterNoisePct: 1,
            visits: [
                { vehicle: "mini-cooper-se", arriveMin: 600, initialSocPct: 50, targetSocPct: 60, idleMin: 1 },
                {
                    vehicle: "bmw-i4-edrive40",
                    arriveMin: 1439,
                    initialSocPct: 20,
                    targetSocPct: 30,
                    idleMin: 30,
                    authorize: { account: "late", when: "afterPlug", delayS: 90 },
                },
            ],
        })
        for (const days of [2, 3, 5]) {
            const opts = { seed: 3, days }
            expect(firstDifference(playedRows(sc, opts), simulatedRows(sc, opts))).toBeNull()
        }
    })

    it("replay the day that repeats: noise aside, day 3 of busy-day is day 2 a day later", () => {
        const sc = { ...loadShipped("busy-day.json"), meterNoisePct: 0 }
        const DAY_MS = 86_400_000
        const byDay: string[][] = [[], [], []]
        const sink: RowSink = {
            sample: (_, t, pilot, volts, amps) =>
                byDay[Math.floor(t / DAY_MS)].push(JSON.stringify([t % DAY_MS, pilot, volts, amps])),
            event: (_, row) => byDay[Math.floor(row.t / DAY_MS)].push(JSON.stringify({ ...row, t: row.t % DAY_MS })),
        }
        playScenario(sc, { seed: 1, days: 3 }, sink)
        expect(byDay[1].length).toBe(86_400 + 20)
        expect(byDay[2]).toEqual(byDay[1])
    })
})
