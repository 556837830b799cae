import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { Replay, replayTrace, SessionRecord } from "../../../src/core/trace/replay"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import { arbTrace, GenTrace, MAX_KW } from "../../helpers/arb-trace"

const RUNS = { numRuns: 300 }

function records(trace: GenTrace): SessionRecord[] {
    return replayTrace(trace).filter((o): o is SessionRecord => o.type === "session")
}

describe("invariants of every session record (generated traces)", () => {
    test("tier times sum to charging time; tier minutes count the periods begun", () => {
        fc.assert(
            fc.property(arbTrace, (trace) => {
                const periodMs = trace.tariff.periodMs
                for (const r of records(trace)) {
                    expect(r.tierMs.reduce((a, b) => a + b, 0)).toBe(r.chargingMs)
                    expect(r.tierMinutes.reduce((a, b) => a + b, 0)).toBe(Math.ceil(r.chargingMs / periodMs))
                    r.tierMs.forEach((ms, i) => expect(ms > 0).toBe(r.tierMinutes[i] > 0))
                }
            }),
            RUNS
        )
    })

    test("money is integer, never negative, and adds up", () => {
        fc.assert(
            fc.property(arbTrace, (trace) => {
                for (const r of records(trace)) {
                    for (const v of Object.values(r.cost)) {
                        expect(Number.isInteger(v)).toBe(true)
                        expect(v).toBeGreaterThanOrEqual(0)
                    }
                    expect(r.cost.totalMinor).toBe(r.cost.timeMinor + r.cost.energyMinor + r.cost.idleMinor)
                    expect(r.freeWhUsed).toBeLessThanOrEqual(r.energyWh)
                }
            }),
            RUNS
        )
    })

    test("energy never exceeds max power over the observed session time; outages are never billed", () => {
        fc.assert(
            fc.property(arbTrace, (trace) => {
                for (const r of records(trace)) {
                    const observedMs = r.unpluggedAtMs - r.pluggedAtMs - r.faults.outageMs
                    expect(observedMs).toBeGreaterThanOrEqual(0)
                    expect(r.energyWh).toBeLessThanOrEqual((MAX_KW * observedMs) / 3600 + 0.5)
                    expect(r.chargingMs + r.idleMs).toBeLessThanOrEqual(observedMs)
                }
            }),
            RUNS
        )
    })

    test("no idle without a finished charge, and none after a fault until charging finished again", () => {
        fc.assert(
            fc.property(arbTrace, (trace) => {
                let finishedAfterCharging = false
                let charged = false
                for (const o of replayTrace(trace)) {
                    if (o.type === "status") {
                        if (o.state === "charging") charged = true
                        if (o.state === "faulted" || o.state === "available") charged = false
                        if (o.state === "finished") {
                            expect(charged).toBe(true)
                            finishedAfterCharging = true
                        }
                    } else {
                        if (o.idleMs > 0) expect(finishedAfterCharging).toBe(true)
                        if (o.idleBilledMinutes > 0) expect(o.idleMs).toBeGreaterThan(trace.tariff.idleGraceMs)
                        finishedAfterCharging = false
                    }
                }
            }),
            RUNS
        )
    })
})

describe("live totals are monotone in time", () => {
    test("energy, stopwatch, idle and faults never go down; cost never goes down between period ends", () => {
        fc.assert(
            fc.property(arbTrace, (trace) => {
                const acct = new StallAccounting(configFrom(trace.config))
                acct.setTariff(trace.tariff)
                let prev: SessionRecord | null = null
                let prevBoundaryCost = -1
                for (const row of trace.rows) {
                    if (!Array.isArray(row)) continue
                    acct.sample(row[0], row[1], row[2], row[3])
                    const now = acct.snapshot().session
                    if (now && prev && now.sessionSeq === prev.sessionSeq) {
                        expect(now.energyWh).toBeGreaterThanOrEqual(prev.energyWh)
                        expect(now.chargingMs).toBeGreaterThanOrEqual(prev.chargingMs)
                        expect(now.idleMs).toBeGreaterThanOrEqual(prev.idleMs)
                        expect(now.idleBilledMinutes).toBeGreaterThanOrEqual(prev.idleBilledMinutes)
                        expect(now.faults.meterInvalidSamples).toBeGreaterThanOrEqual(prev.faults.meterInvalidSamples)
                        expect(now.cost.idleMinor).toBeGreaterThanOrEqual(prev.cost.idleMinor)
                        expect(now.cost.energyMinor).toBeGreaterThanOrEqual(prev.cost.energyMinor - 1)
                    } else prevBoundaryCost = -1
                    // a partly filled period is billed at its average so far, which can fall
                    // a tier; a closed one is final
                    if (now && acct.session()!.periodFilledMs === 0) {
                        expect(now.cost.totalMinor).toBeGreaterThanOrEqual(prevBoundaryCost - 1)
                        prevBoundaryCost = now.cost.totalMinor
                    }
                    prev = now
                }
            }),
            RUNS
        )
    })
})

describe("checkpoint -> restore", () => {
    test("at any row, without a reboot, changes nothing in the output", () => {
        fc.assert(
            fc.property(arbTrace, fc.nat(), (trace, at) => {
                const cut = at % trace.rows.length
                const plain = replayTrace(trace)
                const r = new Replay(trace)
                trace.rows.forEach((row, i) => {
                    if (i === cut) {
                        const fresh = new StallAccounting(configFrom(trace.config))
                        fresh.restore(r.acct.checkpoint())
                        r.acct = fresh
                    }
                    r.row(row)
                })
                expect(r.take()).toEqual(plain)
            }),
            RUNS
        )
    })
})
