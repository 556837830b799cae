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
    idleMs = 0
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

/** Books the open period (full or partial) into its tier. */
export function closePeriod(s: Session): void {
    const i = tierIndex(s.tariff.tierThresholdsKw, s.periodWh, s.periodFilledMs)
    s.tierMs[i] += s.periodFilledMs
    s.tierMinutes[i]++
    s.periodFilledMs = 0
    s.periodWh = 0
}

export function idleBilledMinutes(t: Tariff, idleMs: number): number {
    if (idleMs <= t.idleGraceMs) return 0
    const billedMs = t.idleGraceMode === "waive" ? idleMs : idleMs - t.idleGraceMs
    return Math.ceil(billedMs / IDLE_BILLING_MS)
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
    tierThresholdsKw: number[]
    tierMs: number[]
    tierMinutes: number[]
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
    if (s.periodFilledMs > 0) {
        const i = tierIndex(t.tierThresholdsKw, s.periodWh, s.periodFilledMs)
        tierMs[i] += s.periodFilledMs
        tierMinutes[i]++
    }
    const idleBilled = idleBilledMinutes(t, s.idleMs)
    const perKwh = t.mode === "per_kwh"
    const freeWh = perKwh ? Math.min(s.energyWh, s.freeWh) : 0
    let timeSum = 0
    if (!perKwh) for (let i = 0; i < tierMinutes.length; i++) timeSum += tierMinutes[i] * t.perMinuteMinor[i]
    const timeMinor = roundHalfUp(timeSum)
    const energyMinor = perKwh ? roundHalfUp(((s.energyWh - freeWh) * t.perKwhMinor) / 1000) : 0
    const idleMinor = roundHalfUp(idleBilled * t.idlePerMinuteMinor)
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
        tierThresholdsKw: t.tierThresholdsKw.slice(0),
        tierMs,
        tierMinutes,
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
