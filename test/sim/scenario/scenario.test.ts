import fc from "fast-check"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { replayTrace, type SessionRecord } from "../../../src/core/trace/replay"
import { PRESET_IDS } from "../../../src/core/billing/tariff"
import {
    expectedSamples,
    mulberry32,
    Mulberry32,
    parseScenario,
    quantize,
    ScenarioError,
    scenarioRows,
    scenarioToTraces,
    sharePair,
    type EventRow,
    type Scenario,
} from "../../../sim/scenario/scenario"
import { acceptKw, VEHICLE_IDS, VEHICLES } from "../../../sim/scenario/vehicles"
import { loadShipped, readJson, sampleRows, SCENARIO_DIR, scenarioFiles } from "../helpers"

const schema = JSON.parse(readFileSync(join(SCENARIO_DIR, "../scenario/scenario.schema.json"), "utf8"))

function small(extra: Partial<Scenario> = {}): Scenario {
    return parseScenario({
        stall: { powerLimitKw: 120 },
        tariff: "DE-2017",
        visits: [{ vehicle: "mini-cooper-se", arriveMin: 0.5, initialSocPct: 60, targetSocPct: 70, idleMin: 1 }],
        ...extra,
    })
}

function sessions(sc: Scenario, seed = 1): SessionRecord[][] {
    return scenarioToTraces(sc, { seed }).map(({ trace }) =>
        replayTrace(trace).filter((o): o is SessionRecord => o.type === "session")
    )
}

describe("scenario files", () => {
    it("ships the scenarios the issue asks for", () => {
        for (const name of [
            "de-tiers",
            "fr-credit",
            "at-per-kwh",
            "it-per-kwh",
            "idle-hog",
            "mini-under-60",
            "paired-stalls",
            "v3-four-tiers",
            "faulty-meter",
            "reboot-mid-session",
            "busy-day",
            "demo-timelapse",
            "idle-occupancy",
        ])
            expect(scenarioFiles()).toContain(`${name}.json`)
    })

    it.each(scenarioFiles())("%s validates against the schema", (name) => {
        expect(() => loadShipped(name)).not.toThrow()
    })

    it("keeps the schema's enums in step with the vehicles and the presets", () => {
        expect(schema.definitions.visit.properties.vehicle.enum).toEqual([...VEHICLE_IDS])
        expect(schema.definitions.presetId.enum).toEqual(PRESET_IDS)
    })

    it("rejects a broken scenario with every problem listed", () => {
        const bad = {
            stall: { powerLimitKw: -5, colour: "red" },
            tariff: "XX-1999",
            visits: [{ vehicle: "trabant", arriveMin: 1, initialSocPct: 10, targetSocPct: 80 }],
        }
        let message = ""
        try {
            parseScenario(bad)
        } catch (e) {
            expect(e).toBeInstanceOf(ScenarioError)
            message = (e as Error).message
        }
        expect(message).toMatch(/^invalid scenario: /)
        expect(message).toContain("/stall/powerLimitKw must be > 0")
        expect(message).toContain('/stall has unknown property "colour"')
        expect(message).toContain("/tariff must be one of: DE-2017")
        expect(message).toContain("/visits/0/vehicle must be one of: tesla-model-s-85-2017")
        expect(message).toContain("/visits/0 must have required property 'idleMin'")
        expect(message).not.toContain("\n")
    })

    it("rejects what the schema cannot see", () => {
        const base = readJson("de-tiers.json") as any
        const cases: [any, string][] = [
            [
                { ...base, visits: [{ ...base.visits[0], targetSocPct: 5 }] },
                "/visits/0 targetSocPct must be above initialSocPct",
            ],
            [
                { ...base, visits: [{ ...base.visits[0], stall: "b" }] },
                "/visits/0 uses stall b but the stall has no pair",
            ],
            [
                {
                    ...base,
                    tariff: {
                        ...(readJson("demo-timelapse.json") as any).tariff,
                        tierThresholdsKw: [100, 60],
                        perMinuteMinor: [1, 2, 3],
                    },
                },
                "/tariff tierThresholdsKw must be strictly ascending",
            ],
            [
                { ...base, days: 2, visits: [{ ...base.visits[0], arriveMin: 1500 }] },
                "/visits/0 arriveMin must be within the day",
            ],
        ]
        for (const [sc, text] of cases) expect(() => parseScenario(sc)).toThrow(text)
    })
})

describe("scenario -> trace", () => {
    it("is deterministic for a seed, and the seed only moves the noise", () => {
        const noisy = loadShipped("faulty-meter.json")
        const a = JSON.stringify(scenarioToTraces(noisy, { seed: 7 }))
        expect(JSON.stringify(scenarioToTraces(noisy, { seed: 7 }))).toBe(a)
        expect(JSON.stringify(scenarioToTraces(noisy, { seed: 8 }))).not.toBe(a)
        const quiet = loadShipped("de-tiers.json")
        expect(JSON.stringify(scenarioToTraces(quiet, { seed: 1 }))).toBe(
            JSON.stringify(scenarioToTraces(quiet, { seed: 2 }))
        )
    })

    it("noise stays within its percentage", () => {
        const sc = loadShipped("de-tiers.json")
        const clean = sampleRows(scenarioToTraces(sc, { seed: 1 })[0].trace.rows)
        const noisy = sampleRows(scenarioToTraces({ ...sc, meterNoisePct: 2 }, { seed: 1 })[0].trace.rows)
        expect(noisy.length).toBe(clean.length)
        let differs = 0
        clean.forEach(([, , v, a], i) => {
            const [, , nv, na] = noisy[i]
            expect(Math.abs((nv as number) - (v as number))).toBeLessThanOrEqual((v as number) * 0.02 + 0.001)
            expect(Math.abs((na as number) - (a as number))).toBeLessThanOrEqual((a as number) * 0.02 + 0.001)
            if (na !== a) differs++
        })
        expect(differs).toBeGreaterThan(clean.length / 2)
    })

    it("mulberry32 is seeded and uniform enough", () => {
        const r = mulberry32(42)
        const xs = Array.from({ length: 10000 }, r)
        expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
        expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.02)
        expect(mulberry32(42)()).toBe(xs[0])
        expect(mulberry32(43)()).not.toBe(xs[0])
    })

    it("keeps the rows it always made (digests of the traces before the generator streamed)", () => {
        // SEMANTICS v2 changed only the header: the normalized tariff spells out
        // idleMinOccupancyPct 0 and idleFullMultiplier 1 (without them, the v1 digests come back)
        const pinned: [string, number, number, string][] = [
            ["busy-day.json", 1, 2, "bb7563e656fa86ea"],
            ["faulty-meter.json", 7, 2, "7f1ddf4354c81205"],
            // issue 12 added the sharing events: without them, its old digest (below)
            ["paired-stalls.json", 3, 2, "72af3649e4690c67"],
            ["reboot-mid-session.json", 5, 1, "fc1fd4e7fff194d5"],
            ["demo-timelapse.json", 2, 1, "965284fdbf0cc165"],
        ]
        for (const [name, seed, days, digest] of pinned) {
            const json = JSON.stringify(scenarioToTraces(loadShipped(name), { seed, days }))
            expect([name, createHash("sha256").update(json).digest("hex").slice(0, 16)]).toEqual([name, digest])
        }
        const noSharing = scenarioToTraces(loadShipped("paired-stalls.json"), { seed: 3, days: 2 }).map((s) => ({
            ...s,
            trace: { ...s.trace, rows: s.trace.rows.filter((r) => Array.isArray(r) || r.event !== "sharing") },
        }))
        expect(createHash("sha256").update(JSON.stringify(noSharing)).digest("hex").slice(0, 16)).toBe(
            "a290f4acee591ddc"
        )
    })

    it("quantizes as Math.round does, to the mV and mA", () => {
        const edges = [0, -0, 0.0004999999999999999, 0.0005, 0.0015, 0.0025, 2 ** 40 + 0.0005, 2 ** 43, -0.0005, -2.5]
        for (const x of edges) expect(Object.is(quantize(x), Math.round(x * 1000) / 1000)).toBe(true)
        fc.assert(
            fc.property(
                fc.oneof(
                    fc.double(),
                    fc.double({ min: 0, max: 1000 }),
                    fc.integer().map((n) => n / 1000 + 0.0005)
                ),
                (x) => {
                    expect(Object.is(quantize(x), Math.round(x * 1000) / 1000)).toBe(true)
                }
            ),
            { numRuns: 5000 }
        )
    })

    it("skips mulberry32 draws as if it had made them", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 50 }), (seed, n) => {
                const drawn = new Mulberry32(seed)
                for (let i = 0; i < n; i++) drawn.next()
                const skipped = new Mulberry32(seed)
                skipped.skip(n)
                expect(skipped.next()).toBe(drawn.next())
            })
        )
    })

    it("follows the car curve and the stall limit, quantized, with increasing t", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...VEHICLE_IDS),
                fc.integer({ min: 0, max: 85 }),
                fc.integer({ min: 2, max: 15 }),
                fc.integer({ min: 20, max: 350 }),
                fc.constantFrom("pilotB", "lowPower"),
                fc.integer({ min: 1, max: 1000 }),
                (vehicle, initialSocPct, deltaPct, powerLimitKw, finishBy, seed) => {
                    const sc = parseScenario({
                        stall: { powerLimitKw },
                        tariff: "DE-2017",
                        visits: [
                            {
                                vehicle,
                                arriveMin: 0.2,
                                initialSocPct,
                                targetSocPct: initialSocPct + deltaPct,
                                idleMin: 0.5,
                                finishBy,
                            },
                        ],
                    })
                    const v = VEHICLES[vehicle]
                    const rows = sampleRows(scenarioToTraces(sc, { seed })[0].trace.rows)
                    let soc = initialSocPct
                    let lastT = -1
                    for (const [t, pilot, volts, amps] of rows) {
                        expect(t).toBeGreaterThan(lastT)
                        lastT = t
                        expect(quantize(volts as number)).toBe(volts)
                        expect(quantize(amps as number)).toBe(amps)
                        const kw = ((volts as number) * (amps as number)) / 1000
                        // one mA at ~800 V, one mV at ~600 A: well under 0.002 kW
                        expect(kw).toBeLessThanOrEqual(powerLimitKw + 0.002)
                        expect(kw).toBeLessThanOrEqual(acceptKw(v, soc) + 0.01)
                        if (pilot !== "C") expect(kw).toBe(0)
                        soc += ((kw * 1000) / 3600 / v.capacityWh) * 100
                    }
                    expect(soc).toBeGreaterThanOrEqual(initialSocPct + deltaPct - 0.01)
                    expect(rows[rows.length - 1][1]).toBe("A")
                }
            ),
            { numRuns: 25 }
        )
    })

    it("shares a paired cabinet: never above either limit, at least half each", () => {
        fc.assert(
            fc.property(
                fc.double({ min: 0, max: 400, noNaN: true }),
                fc.double({ min: 0, max: 400, noNaN: true }),
                fc.double({ min: 1, max: 500, noNaN: true }),
                (a, b, combined) => {
                    const [x, y] = sharePair(a, b, combined)
                    expect(x).toBeLessThanOrEqual(a)
                    expect(y).toBeLessThanOrEqual(b)
                    expect(x + y).toBeLessThanOrEqual(Math.max(combined, 0) + 1e-9)
                    expect(x).toBeGreaterThanOrEqual(Math.min(a, combined / 2) - 1e-9)
                    expect(y).toBeGreaterThanOrEqual(Math.min(b, combined / 2) - 1e-9)
                    // nothing is wasted while someone wants more
                    if (a + b > combined) expect(x + y).toBeCloseTo(combined, 9)
                    else expect([x, y]).toEqual([a, b])
                }
            )
        )
    })

    it("keeps the paired stalls under the combined limit, and both really share", () => {
        const sc = loadShipped("paired-stalls.json")
        const [a, b] = scenarioToTraces(sc, { seed: 1 }).map(({ trace }) => sampleRows(trace.rows))
        expect(a.map((r) => r[0])).toEqual(b.map((r) => r[0]))
        let shared = 0
        a.forEach((ra, i) => {
            const kw = (r: typeof ra) => ((r[2] as number) * (r[3] as number)) / 1000
            expect(kw(ra) + kw(b[i])).toBeLessThanOrEqual(sc.stall.pair!.combinedLimitKw + 0.004)
            if (kw(ra) > 30 && kw(b[i]) > 30) shared++
        })
        expect(shared).toBeGreaterThan(60)
    })

    it("switches sharing on in both stalls exactly while both draw, and bills those periods tier 1", () => {
        const sc = loadShipped("paired-stalls.json")
        const traces = scenarioToTraces(sc, { seed: 1 }).map(({ trace }) => trace)
        const sharingRows = traces.map((tr) =>
            tr.rows.filter((r): r is EventRow => !Array.isArray(r) && r.event === "sharing")
        )
        expect(sharingRows[0]).toEqual(sharingRows[1])
        expect(sharingRows[0].map((r) => r.event === "sharing" && r.on)).toEqual([true, false])
        const [a, b] = traces.map((tr) => sampleRows(tr.rows))
        const [onMs, offMs] = sharingRows[0].map((r) => r.t)
        a.forEach((ra, i) => {
            const both = (ra[3] as number) > 0 && (b[i][3] as number) > 0
            expect([ra[0], both]).toEqual([ra[0], ra[0] >= onMs && ra[0] < offMs])
        })
        const records = traces.map((tr) => replayTrace(tr).filter((o): o is SessionRecord => o.type === "session"))
        for (const [r] of records) expect(r.sharedPeriods).toBeGreaterThan(0)
    })

    it("hands the occupancy timeline to every stall, daily", () => {
        const sc = small({
            days: 2,
            occupancy: [
                { atMin: 0, percent: 60 },
                { atMin: 2, percent: 100 },
            ],
        })
        const rows = scenarioToTraces(sc, { seed: 1 })[0].trace.rows.filter((r): r is EventRow => !Array.isArray(r))
        expect(rows.filter((r) => r.event === "occupancy")).toEqual([
            { t: 0, event: "occupancy", percent: 60 },
            { t: 120_000, event: "occupancy", percent: 100 },
            { t: 86_400_000, event: "occupancy", percent: 60 },
            { t: 86_520_000, event: "occupancy", percent: 100 },
        ])
        expect(() => small({ occupancy: [{ atMin: 1, percent: 101 }] })).toThrow(ScenarioError)
        expect(() => small({ days: 2, occupancy: [{ atMin: 1450, percent: 50 }] })).toThrow(
            /occupancy\/0 must end within the day/
        )
    })

    it("streams a stall-year lazily, with the length it announced", () => {
        const busy = loadShipped("busy-day.json")
        expect(expectedSamples(busy, { seed: 1, days: 365 })).toBe(365 * 86400)
        const it = scenarioRows(busy, { seed: 1, days: 365 })
        const first: unknown[] = []
        for (const { row } of it) if (first.push(row) >= 1000) break
        expect(first.length).toBe(1000)
        const sc = small()
        let n = 0
        for (const { row } of scenarioRows(sc, { seed: 1, days: 2 })) if (Array.isArray(row)) n++
        expect(n).toBe(expectedSamples(sc, { seed: 1, days: 2 }))
    })

    it("repeats the day with days > 1", () => {
        const sc = small({ days: 3 })
        const records = sessions(sc)[0]
        expect(records.map((r) => r.pluggedAtMs)).toEqual([30000, 86_430_000, 172_830_000])
        expect(new Set(records.map((r) => r.energyWh)).size).toBe(1)
    })

    it("authorizes before the plug, or after it and then charges", () => {
        const auth = (when: "beforePlug" | "afterPlug") =>
            scenarioToTraces(
                small({
                    visits: [
                        {
                            vehicle: "mini-cooper-se",
                            arriveMin: 1,
                            initialSocPct: 60,
                            targetSocPct: 65,
                            idleMin: 1,
                            authorize: { account: "acct-x", freeWh: 5000, when, delayS: 20 },
                        },
                    ],
                }),
                { seed: 1 }
            )[0].trace.rows
        const before = auth("beforePlug")
        const i = before.findIndex((r) => !Array.isArray(r))
        expect(before[i]).toEqual({ t: 60000, event: "authorize", account: "acct-x", freeWh: 5000 })
        expect(before[i + 1]).toEqual([60000, "B", expect.any(Number), 0])
        const after = auth("afterPlug")
        const j = after.findIndex((r) => !Array.isArray(r))
        expect(after[j]).toMatchObject({ t: 80000, event: "authorize" })
        const firstC = sampleRows(after).find((r) => r[1] === "C")!
        expect(firstC[0]).toBe(90000)
    })
})

describe("shipped scenarios through the core", () => {
    const only = (name: string) => sessions(loadShipped(name))
    it("de-tiers bills both tiers per minute", () => {
        const [records] = only("de-tiers.json")
        expect(records).toHaveLength(2)
        for (const r of records) expect(r.tierMinutes.every((m) => m > 0)).toBe(true)
    })
    it("fr-credit spends the yearly credit", () => {
        const [[full, partial, none]] = only("fr-credit.json")
        expect(full.cost.totalMinor).toBe(0)
        expect(full.freeWhUsed).toBe(full.energyWh)
        expect(partial.freeWhUsed).toBe(12000)
        expect(partial.cost.energyMinor).toBe(Math.round(((partial.energyWh - 12000) * 20) / 1000))
        expect(none.freeWhUsed).toBe(0)
    })
    it("mini-under-60 stays in the low tier", () => {
        const [[r]] = only("mini-under-60.json")
        expect(r.tierMinutes[0]).toBeGreaterThan(30)
        expect(r.tierMinutes[1]).toBe(0)
    })
    it("idle-hog pays idle past the grace", () => {
        const [[r]] = only("idle-hog.json")
        expect(r.idleBilledMinutes).toBe(20)
        expect(r.cost.idleMinor).toBe(700)
    })
    it("v3-four-tiers passes through all four tiers", () => {
        const [[r]] = only("v3-four-tiers.json")
        expect(r.tierMinutes).toHaveLength(4)
        expect(r.tierMinutes.every((m) => m > 0)).toBe(true)
    })
    it("paired-stalls closes a session on each stall", () => {
        expect(only("paired-stalls.json").map((rs) => rs.length)).toEqual([1, 1])
    })
    it("faulty-meter and reboot-mid-session show their faults", () => {
        const [[f]] = only("faulty-meter.json")
        expect(f.faults.meterInvalidSamples).toBeGreaterThan(0)
        expect(f.faults.faultCount).toBeGreaterThanOrEqual(2)
        const [[r]] = only("reboot-mid-session.json")
        expect(r.faults.outages).toBe(2)
        expect(r.faults.outageMs).toBeGreaterThanOrEqual(65000)
    })
    it("busy-day closes every visit", () => {
        const sc = loadShipped("busy-day.json")
        expect(only("busy-day.json")[0]).toHaveLength(sc.visits.length)
    })
    it("demo-timelapse is a short, labelled, whole session", () => {
        const sc = loadShipped("demo-timelapse.json")
        expect(sc.description).toMatch(/time-lapse/i)
        const rows = sampleRows(scenarioToTraces(sc, { seed: 1 })[0].trace.rows)
        expect(rows.length).toBeGreaterThanOrEqual(60)
        expect(rows.length).toBeLessThanOrEqual(120)
        const [[r]] = sessions(sc)
        expect(r.tierMinutes.every((m) => m > 0)).toBe(true)
        expect(r.idleBilledMinutes).toBeGreaterThan(0)
    })
})
