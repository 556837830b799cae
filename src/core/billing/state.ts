import { Session } from "./session"
import { Tariff } from "./tariff"

export type StallState = "available" | "preparing" | "charging" | "finished" | "faulted"

/** SEMANTICS states, as stored in checkpoints (never renumber). */
export const enum StateCode {
    Available = 0,
    Preparing = 1,
    Charging = 2,
    Finished = 3,
    Faulted = 4,
}

/** Why the stall is faulted, as stored in checkpoints (never renumber). */
export const enum FaultCode {
    None = 0,
    Pilot = 1,
    Meter = 2,
}

const STATE_NAMES: StallState[] = ["available", "preparing", "charging", "finished", "faulted"]

export function stateName(code: StateCode): StallState {
    return STATE_NAMES[code]
}

/** Everything the accounting must keep across a power loss: what a checkpoint holds. */
export interface AccountingState {
    state: StateCode
    faultReason: FaultCode
    sessionSeq: number
    /** applies to sessions opened from now on */
    tariff: Tariff
    pendingAccount: string | null
    pendingFreeWh: number
    session: Session | null
    /** the previous accepted sample */
    hasPrev: boolean
    lastT: number
    lastValid: boolean
    lastKw: number
    /** the next sample closes no interval: the time since the previous one was an outage */
    rebootPending: boolean
    /** since when power has been below the charging threshold, or the meter invalid */
    hasLow: boolean
    lowSince: number
    hasInvalid: boolean
    invalidSince: number
    /** stall-wide, set by events: the power module shares with the paired stall; the site's occupancy */
    sharing: boolean
    occupancyPct: number
    /** what the interval since the previous sample has seen so far: any sharing, the lowest occupancy */
    seenSharing: boolean
    seenMinPct: number
}

export function freshState(tariff: Tariff): AccountingState {
    return {
        state: StateCode.Available,
        faultReason: FaultCode.None,
        sessionSeq: 0,
        tariff,
        pendingAccount: null,
        pendingFreeWh: 0,
        session: null,
        hasPrev: false,
        lastT: 0,
        lastValid: false,
        lastKw: 0,
        rebootPending: false,
        hasLow: false,
        lowSince: 0,
        hasInvalid: false,
        invalidSince: 0,
        // unknown occupancy counts as an empty site: never overbill
        sharing: false,
        occupancyPct: 0,
        seenSharing: false,
        seenMinPct: 0,
    }
}
