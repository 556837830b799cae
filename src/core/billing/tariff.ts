import { isFiniteNumber, isInteger } from "../num"
import { fail, ok, Result } from "../result"

export type TariffMode = "per_minute" | "per_kwh"
export type GraceMode = "deduct" | "waive"

export interface Tariff {
    id: string
    currency: string
    mode: TariffMode
    /** ascending; a period above th (+1e-9) is in the next tier */
    tierThresholdsKw: number[]
    /** one price per tier, minor units per period */
    perMinuteMinor: number[]
    perKwhMinor: number
    idlePerMinuteMinor: number
    idleGraceMs: number
    idleGraceMode: GraceMode
    periodMs: number
    /** idle minutes whose lowest site occupancy is below this are free (0: always billed) */
    idleMinOccupancyPct: number
    /** the factor of an idle minute that saw the site full all along */
    idleFullMultiplier: number
}

export const MAX_TIER_THRESHOLDS = 7

function make(
    id: string,
    mode: TariffMode,
    tierThresholdsKw: number[],
    perMinuteMinor: number[],
    perKwhMinor: number
): Tariff {
    return {
        id,
        currency: "EUR",
        mode,
        tierThresholdsKw,
        perMinuteMinor,
        perKwhMinor,
        idlePerMinuteMinor: 35,
        idleGraceMs: 300000,
        idleGraceMode: "deduct",
        periodMs: 60000,
        idleMinOccupancyPct: 0,
        idleFullMultiplier: 1,
    }
}

/** Presets from public price lists (SEMANTICS "Tariff"). Fresh objects on every call. */
export function presetTariff(id: string): Tariff | undefined {
    if (id === "DE-2017") return make(id, "per_minute", [60], [17, 34], 0)
    if (id === "FR-2017") return make(id, "per_kwh", [60], [0, 0], 20)
    if (id === "AT-2017") return make(id, "per_kwh", [60], [0, 0], 23)
    if (id === "IT-2017") return make(id, "per_kwh", [60], [0, 0], 25)
    if (id === "V3-4TIER") return make(id, "per_minute", [60, 100, 180], [13, 26, 39, 52], 0)
    return undefined
}

export const PRESET_IDS = ["DE-2017", "FR-2017", "AT-2017", "IT-2017", "V3-4TIER"]

export function defaultTariff(): Tariff {
    return presetTariff("DE-2017") as Tariff
}

function isIdChar(c: number): boolean {
    return (
        (c >= 65 && c <= 90) || // A-Z
        (c >= 97 && c <= 122) || // a-z
        (c >= 48 && c <= 57) || // 0-9
        c === 46 || // .
        c === 95 || // _
        c === 45 // -
    )
}

function checkId(id: unknown): string | null {
    if (typeof id !== "string" || id.length < 1 || id.length > 32) return "id must be a string of 1 to 32 characters"
    for (let i = 0; i < id.length; i++) if (!isIdChar(id.charCodeAt(i))) return "id may only contain A-Z a-z 0-9 . _ -"
    return null
}

function checkCurrency(c: unknown): string | null {
    if (typeof c !== "string" || c.length !== 3) return "currency must be 3 capital letters"
    for (let i = 0; i < 3; i++) {
        const k = c.charCodeAt(i)
        if (k < 65 || k > 90) return "currency must be 3 capital letters"
    }
    return null
}

function nonNegative(x: unknown): boolean {
    return isFiniteNumber(x) && x >= 0
}

/** Absent or a finite number in [min, max]; null is not absent. */
function optionalIn(x: unknown, min: number, max: number): boolean {
    return x === undefined || (isFiniteNumber(x) && x >= min && x <= max)
}

function checkThresholds(th: unknown): string | null {
    if (!Array.isArray(th) || th.length < 1 || th.length > MAX_TIER_THRESHOLDS)
        return "tierThresholdsKw must hold 1 to 7 numbers"
    for (let i = 0; i < th.length; i++) {
        const x = th[i]
        if (!isFiniteNumber(x) || x <= 0) return "tierThresholdsKw must be finite and above 0"
        if (i > 0 && x <= th[i - 1]) return "tierThresholdsKw must be strictly ascending"
    }
    return null
}

function checkPrices(prices: unknown, tiers: number): string | null {
    if (!Array.isArray(prices) || prices.length !== tiers)
        return "perMinuteMinor must have one more element than tierThresholdsKw"
    for (let i = 0; i < prices.length; i++) if (!nonNegative(prices[i])) return "perMinuteMinor must be finite and >= 0"
    return null
}

/**
 * Validates a tariff (SEMANTICS "Tariff"): a fresh, normalized copy, or why not. Unknown fields are ignored here; commands reject them earlier.
 */
export function validateTariff(x: unknown): Result<Tariff> {
    if (x === null || typeof x !== "object" || Array.isArray(x)) return fail("tariff must be an object")
    const o = x as any
    let err = checkId(o.id)
    if (!err) err = checkCurrency(o.currency)
    if (!err && o.mode !== "per_minute" && o.mode !== "per_kwh") err = "mode must be per_minute or per_kwh"
    if (!err) err = checkThresholds(o.tierThresholdsKw)
    if (!err) err = checkPrices(o.perMinuteMinor, o.tierThresholdsKw.length + 1)
    if (!err && !nonNegative(o.perKwhMinor)) err = "perKwhMinor must be finite and >= 0"
    if (!err && !nonNegative(o.idlePerMinuteMinor)) err = "idlePerMinuteMinor must be finite and >= 0"
    if (!err && !nonNegative(o.idleGraceMs)) err = "idleGraceMs must be finite and >= 0"
    if (!err && !(isInteger(o.periodMs) && o.periodMs >= 1000)) err = "periodMs must be an integer >= 1000"
    if (!err && o.idleGraceMode !== undefined && o.idleGraceMode !== "deduct" && o.idleGraceMode !== "waive")
        err = "idleGraceMode must be deduct or waive"
    if (!err && !optionalIn(o.idleMinOccupancyPct, 0, 100)) err = "idleMinOccupancyPct must be a number in [0, 100]"
    if (!err && !optionalIn(o.idleFullMultiplier, 1, 100)) err = "idleFullMultiplier must be a number in [1, 100]"
    if (err) return fail(err)
    return ok({
        id: o.id,
        currency: o.currency,
        mode: o.mode,
        tierThresholdsKw: o.tierThresholdsKw.slice(0),
        perMinuteMinor: o.perMinuteMinor.slice(0),
        perKwhMinor: o.perKwhMinor,
        idlePerMinuteMinor: o.idlePerMinuteMinor,
        idleGraceMs: o.idleGraceMs,
        idleGraceMode: o.idleGraceMode === "waive" ? "waive" : "deduct",
        periodMs: o.periodMs,
        idleMinOccupancyPct: o.idleMinOccupancyPct === undefined ? 0 : o.idleMinOccupancyPct,
        idleFullMultiplier: o.idleFullMultiplier === undefined ? 1 : o.idleFullMultiplier,
    })
}
