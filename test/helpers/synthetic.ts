import fc from "fast-check"
import { PRESET_IDS } from "../../src/core/billing/tariff"
import { parseScenario, type Scenario, type StallSide } from "../../sim/scenario/scenario"
import { VEHICLE_IDS } from "../../sim/scenario/vehicles"

/**
 * A long, realistic-looking sample stream without any file: sessions of a car
 * ramping to 150 kW, tapering, finishing, idling past the grace and leaving.
 * One sample a second. Used by the benchmarks.
 */
export const SAMPLE_MS = 1000
const VOLTS = 400

/** Calls `each(t, pilot, volts, amps)` for `count` samples. */
export function syntheticSamples(
    count: number,
    each: (t: number, pilot: string, volts: number, amps: number) => void
): void {
    const cycle = 3600 // one visit an hour: 10 s plugged, 40 min charging, 8 min idle, gone
    for (let i = 0; i < count; i++) {
        const s = i % cycle
        const t = 1_000_000 + i * SAMPLE_MS
        if (s < 10) each(t, "B", VOLTS, 0)
        else if (s < 2410) {
            const kw = s < 130 ? (s - 10) * 1.25 : Math.max(2, 150 - (s - 130) * 0.065)
            each(t, "C", VOLTS, (kw * 1000) / VOLTS)
        } else if (s < 2890) each(t, "B", VOLTS, 0)
        else each(t, "A", VOLTS, 0)
    }
}

/**
 * Valid random scenarios (one stall or a pair) that exercise every row the generator makes:
 * authorizations before and after plugging, meter and pilot faults, reboots, tariff changes,
 * noise, and stays long enough to run past midnight in a multi-day run.
 */
export function arbScenario(): fc.Arbitrary<Scenario> {
    const side = (pair: boolean) =>
        pair ? fc.constantFrom<StallSide | undefined>(undefined, "a", "b") : fc.constant(undefined)
    return fc.boolean().chain((pair) => {
        const visit = fc.record(
            {
                vehicle: fc.constantFrom(...VEHICLE_IDS),
                stall: side(pair),
                // late arrivals often, so that stays run past midnight
                arriveMin: fc.oneof(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1380, max: 1439 })),
                initialSocPct: fc.integer({ min: 5, max: 80 }),
                deltaPct: fc.integer({ min: 1, max: 15 }),
                idleMin: fc.constantFrom(0, 1, 6, 240),
                finishBy: fc.constantFrom<"pilotB" | "lowPower" | undefined>(undefined, "pilotB", "lowPower"),
                authorize: fc.option(
                    fc.record({
                        account: fc.constantFrom("acct-1", "fleet-2"),
                        freeWh: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
                        when: fc.constantFrom<"beforePlug" | "afterPlug">("beforePlug", "afterPlug"),
                        delayS: fc.integer({ min: 0, max: 120 }),
                    }),
                    { nil: undefined }
                ),
            },
            { requiredKeys: ["vehicle", "arriveMin", "initialSocPct", "deltaPct", "idleMin"] }
        )
        const atMin = fc.integer({ min: 0, max: 1430 })
        return fc
            .record({
                powerLimitKw: fc.integer({ min: 40, max: 350 }),
                combinedLimitKw: fc.integer({ min: 60, max: 500 }),
                tariff: fc.constantFrom(...PRESET_IDS),
                visits: fc.array(visit, { minLength: 1, maxLength: 4 }),
                faults: fc.array(
                    fc.record({
                        kind: fc.constantFrom<"meterInvalid" | "pilot">("meterInvalid", "pilot"),
                        pilot: fc.constantFrom<"E" | "F">("E", "F"),
                        stall: side(pair),
                        atMin,
                        durationS: fc.integer({ min: 1, max: 300 }),
                    }),
                    { maxLength: 2 }
                ),
                reboots: fc.array(fc.record({ atMin, outageS: fc.integer({ min: 1, max: 120 }), stall: side(pair) }), {
                    maxLength: 1,
                }),
                tariffChanges: fc.array(
                    fc.record({ atMin, tariff: fc.constantFrom(...PRESET_IDS), stall: side(pair) }),
                    {
                        maxLength: 1,
                    }
                ),
                meterNoisePct: fc.constantFrom(0, 0.3, 2),
            })
            .map((r) =>
                parseScenario(
                    JSON.parse(
                        JSON.stringify({
                            stall: {
                                powerLimitKw: r.powerLimitKw,
                                ...(pair ? { pair: { combinedLimitKw: r.combinedLimitKw } } : {}),
                            },
                            tariff: r.tariff,
                            visits: r.visits.map(({ deltaPct, ...v }) => ({
                                ...v,
                                targetSocPct: v.initialSocPct + deltaPct,
                            })),
                            faults: r.faults.map(({ pilot, ...f }) => (f.kind === "pilot" ? { ...f, pilot } : f)),
                            reboots: r.reboots,
                            tariffChanges: r.tariffChanges,
                            meterNoisePct: r.meterNoisePct,
                        })
                    )
                )
            )
    })
}
