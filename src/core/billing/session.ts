import { roundHalfUp } from "../num"
import { Tariff } from "./tariff"

/** A period's average above a threshold by more than this is in the next tier. */
const TIER_EPSILON_KW = 1e-9
const IDLE_BILLING_MS = 60000

/** The open session's running accounts. Energy stays unrounded until the record. */
export class Session {
    account: string | null = null
    freeWh = 0
    energyWh = 0
    /** the charging stopwatch */
    chargingMs = 0
    /** how far the stopwatch is into the open period, and that period's energy */
    periodFilledMs = 0
    periodWh = 0
    /** the open period saw power sharing: it bills tier 1 */
    periodShared = false
    sharedPeriods = 0
    /** the idle stopwatch */
    idleMs = 0
    /** idle minutes closed on the grid (factor 0 included), and the open one's lowest occupancy */
    idleMinutesClosed = 0
    idleMinuteMinPct = 100
    /** closed idle minutes with a factor above 0, and those that saw the site full */
    idleBilledMinutes = 0
    idleFullMinutes = 0
    tierMs: number[]
    tierMinutes: number[]
    meterInvalidSamples = 0
    gapMs = 0
    outages = 0
    outageMs = 0
    faultCount = 0

    seq: number
    tariff: Tariff
    pluggedAtMs: number

    constructor(seq: number, tariff: Tariff, pluggedAtMs: number) {
        this.seq = seq
        this.tariff = tariff
        this.pluggedAtMs = pluggedAtMs
        const tiers = tariff.tierThresholdsKw.length + 1
        this.tierMs = []
        this.tierMinutes = []
        for (let i = 0; i < tiers; i++) {
            this.tierMs.push(0)
            this.tierMinutes.push(0)
        }
    }
}

/** Number of thresholds the period's average power is above. */
export function tierIndex(thresholdsKw: number[], periodWh: number, periodMs: number): number {
    const avgKw = (periodWh * 3600) / periodMs
    let i = 0
    while (i < thresholdsKw.length && avgKw > thresholdsKw[i] + TIER_EPSILON_KW) i++
    return i
}

/** The open period's tier: a shared period is tier 1 whatever its power. */
export function periodTier(s: Session): number {
    return s.periodShared ? 0 : tierIndex(s.tariff.tierThresholdsKw, s.periodWh, s.periodFilledMs)
}

/** Books the open period (full or partial) into its tier. */
export function closePeriod(s: Session): void {
    const i = periodTier(s)
    s.tierMs[i] += s.periodFilledMs
    s.tierMinutes[i]++
    if (s.periodShared) s.sharedPeriods++
    s.periodFilledMs = 0
    s.periodWh = 0
    s.periodShared = false
}

/** Where the idle-minute grid starts on the idle stopwatch: the grace is free (deduct) or not (waive). */
function idleGridStartMs(t: Tariff): number {
    return t.idleGraceMode === "waive" ? 0 : t.idleGraceMs
}

/** An idle minute by its lowest occupancy: free (factor 0), billed (1), or billed and full (x). */
const enum IdleKind {
    Free = 0,
    Billed = 1,
    Full = 2,
}

function idleKind(t: Tariff, minPct: number): IdleKind {
    if (minPct < t.idleMinOccupancyPct) return IdleKind.Free
    return minPct === 100 ? IdleKind.Full : IdleKind.Billed
}

/** Books `n` closed idle minutes whose lowest occupancy was `minPct`. */
function bookIdleMinutes(s: Session, minPct: number, n: number): void {
    const kind = idleKind(s.tariff, minPct)
    if (kind !== IdleKind.Free) s.idleBilledMinutes += n
    if (kind === IdleKind.Full) s.idleFullMinutes += n
    s.idleMinutesClosed += n
}

/** Whole idle minutes on the grid in `idleMs` of idle stopwatch. */
export function idleMinutesOnGrid(t: Tariff, idleMs: number): number {
    const startMs = idleGridStartMs(t)
    return idleMs > startMs ? Math.floor((idleMs - startMs) / IDLE_BILLING_MS) : 0
}

/**
 * Runs the idle stopwatch over an interval of `dt` ms in `finished` that saw at
 * lowest `minPct` occupancy. The open idle minute takes it in; the minutes the
 * interval completes after that saw only it, so a long interval costs no loop.
 */
export function runIdle(s: Session, dt: number, minPct: number): void {
    const startMs = idleGridStartMs(s.tariff)
    const fromMs = s.idleMs > startMs ? s.idleMs : startMs
    s.idleMs += dt
    if (fromMs >= s.idleMs) return
    if (minPct < s.idleMinuteMinPct) s.idleMinuteMinPct = minPct
    const closed = idleMinutesOnGrid(s.tariff, s.idleMs) - s.idleMinutesClosed
    if (closed <= 0) return
    bookIdleMinutes(s, s.idleMinuteMinPct, 1)
    bookIdleMinutes(s, minPct, closed - 1)
    // the new open minute has seen this interval, unless it has no time yet
    s.idleMinuteMinPct = idleMinuteOpen(s) ? minPct : 100
}

/** The open idle minute has time on it (partial: billed as a whole one at the close). */
function idleMinuteOpen(s: Session): boolean {
    return s.idleMs > idleGridStartMs(s.tariff) + s.idleMinutesClosed * IDLE_BILLING_MS
}

/**
 * The factor the idle minute under way would be billed at if the vehicle left now,
 * `minPct` the lowest occupancy in force since the last sample (the next interval sees
 * it): 0 within the grace (nothing billable yet) or when the minute's lowest occupancy
 * is below idleMinOccupancyPct; idleFullMultiplier when it is 100; else 1.
 */
export function idleFactorNow(s: Session, minPct: number): number {
    if (s.idleMs <= s.tariff.idleGraceMs) return 0
    const lowest = idleMinuteOpen(s) && s.idleMinuteMinPct < minPct ? s.idleMinuteMinPct : minPct
    const kind = idleKind(s.tariff, lowest)
    return kind === IdleKind.Free ? 0 : kind === IdleKind.Full ? s.tariff.idleFullMultiplier : 1
}

export interface Cost {
    timeMinor: number
    energyMinor: number
    idleMinor: number
    totalMinor: number
}

export interface SessionFaults {
    meterInvalidSamples: number
    gapMs: number
    outages: number
    outageMs: number
    faultCount: number
}

/** The SEMANTICS session record, field order as specified. */
export interface SessionRecord {
    type: "session"
    v: 1
    sessionSeq: number
    account: string | null
    tariffId: string
    currency: string
    pluggedAtMs: number
    unpluggedAtMs: number
    energyWh: number
    chargingMs: number
    idleMs: number
    idleBilledMinutes: number
    idleFullMinutes: number
    tierThresholdsKw: number[]
    tierMs: number[]
    tierMinutes: number[]
    sharedPeriods: number
    freeWhUsed: number
    cost: Cost
    faults: SessionFaults
}

/**
 * The record as it would be if the session closed at `unpluggedAtMs`: the open
 * period is billed as a whole one. Does not modify the session, so live
 * telemetry and the final record are priced by the same code.
 */
export function sessionRecord(s: Session, unpluggedAtMs: number): SessionRecord {
    const t = s.tariff
    const tierMs = s.tierMs.slice(0)
    const tierMinutes = s.tierMinutes.slice(0)
    let sharedPeriods = s.sharedPeriods
    if (s.periodFilledMs > 0) {
        const i = periodTier(s)
        tierMs[i] += s.periodFilledMs
        tierMinutes[i]++
        if (s.periodShared) sharedPeriods++
    }
    // nothing is billable within the grace; past it, the closed minutes and the open one
    let idleBilled = 0
    let idleFull = 0
    if (s.idleMs > t.idleGraceMs) {
        const kind = idleMinuteOpen(s) ? idleKind(t, s.idleMinuteMinPct) : IdleKind.Free
        idleBilled = s.idleBilledMinutes + (kind !== IdleKind.Free ? 1 : 0)
        idleFull = s.idleFullMinutes + (kind === IdleKind.Full ? 1 : 0)
    }
    const perKwh = t.mode === "per_kwh"
    const freeWh = perKwh ? Math.min(s.energyWh, s.freeWh) : 0
    let timeSum = 0
    if (!perKwh) for (let i = 0; i < tierMinutes.length; i++) timeSum += tierMinutes[i] * t.perMinuteMinor[i]
    const timeMinor = roundHalfUp(timeSum)
    const energyMinor = perKwh ? roundHalfUp(((s.energyWh - freeWh) * t.perKwhMinor) / 1000) : 0
    // the factors: 1 for each billed minute, x for each full one
    const idleFactors = idleBilled - idleFull + idleFull * t.idleFullMultiplier
    const idleMinor = roundHalfUp(idleFactors * t.idlePerMinuteMinor)
    return {
        type: "session",
        v: 1,
        sessionSeq: s.seq,
        account: s.account,
        tariffId: t.id,
        currency: t.currency,
        pluggedAtMs: s.pluggedAtMs,
        unpluggedAtMs,
        energyWh: roundHalfUp(s.energyWh),
        chargingMs: s.chargingMs,
        idleMs: s.idleMs,
        idleBilledMinutes: idleBilled,
        idleFullMinutes: idleFull,
        tierThresholdsKw: t.tierThresholdsKw.slice(0),
        tierMs,
        tierMinutes,
        sharedPeriods,
        freeWhUsed: roundHalfUp(freeWh),
        cost: {
            timeMinor,
            energyMinor,
            idleMinor,
            totalMinor: timeMinor + energyMinor + idleMinor,
        },
        faults: {
            meterInvalidSamples: s.meterInvalidSamples,
            gapMs: s.gapMs,
            outages: s.outages,
            outageMs: s.outageMs,
            faultCount: s.faultCount,
        },
    }
}
