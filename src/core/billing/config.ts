import { isFiniteNumber } from "../num"

/** SEMANTICS "Config". Values are trusted (validated settings on the device). */
export interface StallConfig {
    minChargingKw: number
    finishAfterMs: number
    maxGapMs: number
    maxKw: number
    meterFaultAfterMs: number
}

export function defaultConfig(): StallConfig {
    return {
        minChargingKw: 1.0,
        finishAfterMs: 60000,
        maxGapMs: 5000,
        maxKw: 400,
        meterFaultAfterMs: 10000,
    }
}

/** Each missing (or non-numeric) field takes its default. */
export function configFrom(x: unknown): StallConfig {
    const c = defaultConfig()
    if (x === null || typeof x !== "object") return c
    const o = x as any
    if (isFiniteNumber(o.minChargingKw)) c.minChargingKw = o.minChargingKw
    if (isFiniteNumber(o.finishAfterMs)) c.finishAfterMs = o.finishAfterMs
    if (isFiniteNumber(o.maxGapMs)) c.maxGapMs = o.maxGapMs
    if (isFiniteNumber(o.maxKw)) c.maxKw = o.maxKw
    if (isFiniteNumber(o.meterFaultAfterMs)) c.meterFaultAfterMs = o.meterFaultAfterMs
    return c
}
