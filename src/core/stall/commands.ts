import { isFiniteNumber, isInteger } from "../num"
import { validateTariff, Tariff } from "../billing/tariff"
import { fail, ok, Result } from "../result"

/**
 * Validation of what arrives over MQTT. Stricter than traces: unknown fields,
 * wrong types and oversized payloads are rejected with a reason, so a typo in
 * a backend never half-applies.
 */
export const MAX_COMMAND_BYTES = 1024
export const MAX_ACCOUNT_CHARS = 64
/** a yearly credit above 1 GWh is a unit mistake, not a credit */
export const MAX_FREE_WH = 1e9

export interface AuthorizeCommand {
    account: string
    freeWh: number
}

/** JSON object with only the allowed keys, or why not. `bytes`: the payload's size on the wire. */
function parseObject(payload: string, bytes: number, allowed: string[], what: string): Result<any> {
    if (bytes > MAX_COMMAND_BYTES) return fail(what + ": payload over " + MAX_COMMAND_BYTES + " bytes")
    let o: any
    try {
        o = JSON.parse(payload)
    } catch (e) {
        return fail(what + ": not JSON")
    }
    if (o === null || typeof o !== "object" || Array.isArray(o)) return fail(what + ": not a JSON object")
    const keys = Object.keys(o)
    for (let i = 0; i < keys.length; i++) {
        let known = false
        for (let j = 0; j < allowed.length; j++) if (keys[i] === allowed[j]) known = true
        if (!known) return fail(what + ": unknown field " + keys[i])
    }
    return ok(o)
}

/**
 * Printable ASCII only: an account lands in records, logs and flash, where 64
 * characters must fit a 200-byte value and count the same in every runtime.
 */
function printableAscii(s: string): boolean {
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        if (c < 32 || c > 126) return false
    }
    return true
}

/**
 * At most 3 decimals: the DeviceScript VM prints about 6 significant digits, so
 * a price such as 17.125 survives every hop (tap, record, flash) and 0.1234567 would not.
 */
function fewDecimals(x: number): boolean {
    const k = x * 1000
    return Math.abs(Math.round(k) - k) < 1e-6 && x < 1e9
}

export function parseAuthorize(payload: string, bytes = payload.length): Result<AuthorizeCommand> {
    const p = parseObject(payload, bytes, ["account", "freeWh"], "authorize")
    if (p.error !== null) return p
    const o = p.value
    const a = o.account
    if (typeof a !== "string" || a.length < 1 || a.length > MAX_ACCOUNT_CHARS || !printableAscii(a))
        return fail("authorize: account must be 1 to 64 printable ASCII characters")
    let freeWh = 0
    if (o.freeWh !== undefined) {
        if (!isInteger(o.freeWh) || o.freeWh < 0 || o.freeWh > MAX_FREE_WH)
            return fail("authorize: freeWh must be a whole number of Wh from 0 to 1e9")
        freeWh = o.freeWh
    }
    return ok({ account: a, freeWh })
}

const TARIFF_FIELDS = [
    "id",
    "currency",
    "mode",
    "tierThresholdsKw",
    "perMinuteMinor",
    "perKwhMinor",
    "idlePerMinuteMinor",
    "idleGraceMs",
    "idleGraceMode",
    "periodMs",
    "idleMinOccupancyPct",
    "idleFullMultiplier",
]
/** limits a price list can sensibly have; beyond them it is a mistake, not a price */
export const MAX_PRICE_MINOR = 100000
export const MAX_GRACE_MS = 86400000
export const MAX_PERIOD_MS = 3600000

export function parseTariff(payload: string, bytes = payload.length): Result<Tariff> {
    const p = parseObject(payload, bytes, TARIFF_FIELDS, "tariff")
    if (p.error !== null) return p
    const v = validateTariff(p.value)
    if (v.error !== null) return fail("tariff: " + v.error)
    const t = v.value
    const prices = t.perMinuteMinor.slice(0)
    prices.push(t.perKwhMinor, t.idlePerMinuteMinor)
    for (let i = 0; i < prices.length; i++) {
        if (prices[i] > MAX_PRICE_MINOR) return fail("tariff: prices above " + MAX_PRICE_MINOR + " minor units")
        if (!fewDecimals(prices[i])) return fail("tariff: prices may have at most 3 decimals")
    }
    if (!isInteger(t.idleGraceMs) || t.idleGraceMs > MAX_GRACE_MS)
        return fail("tariff: idleGraceMs must be whole ms, at most one day")
    if (t.periodMs > MAX_PERIOD_MS) return fail("tariff: periodMs above one hour")
    if (!fewDecimals(t.idleMinOccupancyPct) || !fewDecimals(t.idleFullMultiplier))
        return fail("tariff: idleMinOccupancyPct and idleFullMultiplier may have at most 3 decimals")
    for (let i = 0; i < t.tierThresholdsKw.length; i++) {
        if (t.tierThresholdsKw[i] > 10000) return fail("tariff: thresholds above 10000 kW")
        if (!fewDecimals(t.tierThresholdsKw[i])) return fail("tariff: thresholds may have at most 3 decimals")
    }
    return ok(t)
}

export function parseAck(payload: string, bytes = payload.length): Result<string> {
    const p = parseObject(payload, bytes, ["sessionId"], "ack")
    if (p.error !== null) return p
    const id = p.value.sessionId
    if (typeof id !== "string" || id.length < 1 || id.length > 64) return fail("ack: sessionId must be a string")
    return ok(id)
}

/** epochMs between 2020 and 2100: a clock outside is broken, not early. */
export function parseClock(payload: string, bytes = payload.length): Result<number> {
    const p = parseObject(payload, bytes, ["epochMs"], "clock")
    if (p.error !== null) return p
    const e = p.value.epochMs
    if (!isInteger(e) || e < 1577836800000 || e > 4102444800000)
        return fail("clock: epochMs must be an integer between 2020 and 2100")
    return ok(e)
}

/** cmd/sharing from the site's power manager: this stall shares its power with the paired one, or not. */
export function parseSharing(payload: string, bytes = payload.length): Result<boolean> {
    const p = parseObject(payload, bytes, ["on"], "sharing")
    if (p.error !== null) return p
    const on = p.value.on
    if (on !== true && on !== false) return fail("sharing: on must be true or false")
    return ok(on)
}

/**
 * The site's occupancy, whole percent: stricter than a trace's finite number, so
 * every hop (tap, telemetry, flash) carries it exactly; the backend rounds down.
 */
export function parseOccupancy(payload: string, bytes = payload.length): Result<number> {
    const p = parseObject(payload, bytes, ["percent"], "occupancy")
    if (p.error !== null) return p
    const pct = p.value.percent
    if (!isInteger(pct) || pct < 0 || pct > 100) return fail("occupancy: percent must be a whole number from 0 to 100")
    return ok(pct)
}
