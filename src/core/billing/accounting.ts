import { StallConfig } from "./config"
import { isFiniteNumber, isInteger, roundHalfUp } from "../num"
import { PILOT_A, PILOT_B, PILOT_C, PILOT_D, PILOT_E, pilotCode } from "./pilot"
import { closePeriod, Session, SessionRecord, sessionRecord, tierIndex } from "./session"
import { defaultTariff, Tariff, validateTariff } from "./tariff"
import { CheckpointItem } from "../codec/checkpoint"
import { readState, writeState } from "./state-codec"

export type StallState = "available" | "preparing" | "charging" | "finished" | "faulted"

export const AVAILABLE = 0
export const PREPARING = 1
export const CHARGING = 2
export const FINISHED = 3
export const FAULTED = 4
const STATE_NAMES: StallState[] = ["available", "preparing", "charging", "finished", "faulted"]

export const FAULT_NONE = 0
export const FAULT_PILOT = 1
export const FAULT_METER = 2

/** Guards the transition loop; the longest real chain is faulted -> preparing -> charging. */
const MAX_TRANSITIONS = 8

export interface StatusOutput {
    type: "status"
    t: number
    state: StallState
}

export type Output = StatusOutput | SessionRecord

export interface AccountingSnapshot {
    state: StallState
    /** pilot-caused or meter-caused, while faulted */
    faultReason: "pilot" | "meter" | null
    /** last accepted sample, and its power (0 when invalid) */
    lastT: number | null
    powerW: number
    readingValid: boolean
    /** the open session's live totals, priced as if it closed now */
    session: SessionRecord | null
    /** tier of the open period so far, -1 when none is open */
    currentTier: number
}

/**
 * One stall's accounts (SEMANTICS "stall-trace/1"): pure, clock-free, fed with
 * samples and events, producing status changes and session records.
 */
export class StallAccounting {
    readonly config: StallConfig
    /** applies to sessions opened from now on */
    tariff: Tariff
    session: Session | null = null
    /** bumped on every change a checkpoint must hold (state, period close, events) */
    revision = 0

    state = AVAILABLE
    faultReason = FAULT_NONE
    sessionSeq = 0
    pendingAccount: string | null = null
    pendingFreeWh = 0

    hasPrev = false
    lastT = 0
    lastValid = false
    lastKw = 0
    rebootPending = false
    hasLow = false
    lowSince = 0
    hasInvalid = false
    invalidSince = 0

    private out: Output[] = []

    constructor(config: StallConfig, tariff?: Tariff) {
        this.config = config
        this.tariff = tariff ? tariff : defaultTariff()
    }

    /** Outputs produced since the last call, oldest first. */
    take(): Output[] {
        const o = this.out
        this.out = []
        return o
    }

    hasOutput(): boolean {
        return this.out.length > 0
    }

    /**
     * One meter + pilot sample at `t` ms. Returns null when accepted, or why it
     * was rejected (then nothing changed).
     */
    sample(t: number, pilot: string, volts: number, amps: number): string | null {
        if (!isInteger(t)) return "t must be an integer"
        const p = pilotCode(pilot)
        if (p < 0) return "pilot must be one of A B C D E F"
        if (this.hasPrev && t < this.lastT) return "t went backwards"

        let valid = isFiniteNumber(volts) && isFiniteNumber(amps) && volts >= 0
        let kw = valid ? (volts * amps) / 1000 : 0
        if (valid && (kw < -1 || kw > this.config.maxKw)) valid = false
        if (!valid || kw < 0) kw = 0

        const s = this.session
        if (this.rebootPending) {
            // the outage is unobserved: no energy, no charging, no idle
            if (this.hasPrev && s) {
                s.outages++
                s.outageMs += t - this.lastT
            }
            this.rebootPending = false
        } else if (this.hasPrev && s) this.closeInterval(s, t, valid, kw)
        if (s && !valid) s.meterInvalidSamples++

        let n = 0
        while (this.step(t, p, valid, kw) && ++n < MAX_TRANSITIONS);

        this.hasPrev = true
        this.lastT = t
        this.lastValid = valid
        this.lastKw = kw
        return null
    }

    /** Attaches an account to the open session, or to the next one. */
    authorize(account: unknown, freeWh: unknown): string | null {
        if (typeof account !== "string" || account.length < 1 || account.length > 64)
            return "account must be a string of 1 to 64 characters"
        const credit = isFiniteNumber(freeWh) && freeWh >= 0 ? freeWh : 0
        const s = this.session
        if (s) {
            s.account = account
            s.freeWh = credit
        } else {
            this.pendingAccount = account
            this.pendingFreeWh = credit
        }
        this.revision++
        return null
    }

    /** A new tariff for sessions opened after it; the open session keeps its own. */
    setTariff(x: unknown): string | null {
        const t = validateTariff(x)
        if (typeof t === "string") return t
        this.tariff = t
        this.revision++
        return null
    }

    /** Call after restoring the checkpoint at boot: the next sample closes no interval. */
    reboot(): void {
        this.rebootPending = true
        this.hasLow = false
        this.hasInvalid = false
        this.revision++
    }

    /** Everything needed to continue after a power loss (see state.ts for the layout). */
    checkpoint(): CheckpointItem[] {
        return writeState(this)
    }

    /** Throws a clear Error on a corrupt or foreign checkpoint, changing nothing. */
    restore(items: unknown): void {
        readState(this, items)
    }

    snapshot(): AccountingSnapshot {
        const s = this.session
        return {
            state: STATE_NAMES[this.state],
            faultReason: this.faultReason === FAULT_PILOT ? "pilot" : this.faultReason === FAULT_METER ? "meter" : null,
            lastT: this.hasPrev ? this.lastT : null,
            powerW: roundHalfUp(this.lastKw * 1000),
            readingValid: this.lastValid,
            session: s ? sessionRecord(s, this.lastT) : null,
            currentTier:
                s && s.periodFilledMs > 0 ? tierIndex(s.tariff.tierThresholdsKw, s.periodWh, s.periodFilledMs) : -1,
        }
    }

    stateName(): StallState {
        return STATE_NAMES[this.state]
    }

    /** The interval (lastT, t] belongs to the state held after the previous sample. */
    private closeInterval(s: Session, t: number, validB: boolean, kwB: number): void {
        const dt = t - this.lastT
        const inGap = dt <= this.config.maxGapMs
        let kw0 = 0
        let kw1 = 0
        if (this.lastValid && validB) {
            if (inGap) {
                kw0 = this.lastKw
                kw1 = kwB
            } else {
                kw0 = kw1 = Math.min(this.lastKw, kwB)
                s.gapMs += dt
            }
        } else if ((this.lastValid || validB) && inGap) {
            kw0 = kw1 = this.lastValid ? this.lastKw : kwB
        } else s.gapMs += dt

        if (this.state === CHARGING) this.runStopwatch(s, dt, kw0, kw1)
        else {
            s.energyWh += ((kw0 + kw1) * dt) / 7200
            if (this.state === FINISHED) s.idleMs += dt
        }
    }

    /** Charging time, cut at period boundaries with power interpolated linearly. */
    private runStopwatch(s: Session, dt: number, kw0: number, kw1: number): void {
        const periodMs = s.tariff.periodMs
        let done = 0
        let kwA = kw0
        while (done < dt) {
            const room = periodMs - s.periodFilledMs
            const seg = room < dt - done ? room : dt - done
            done += seg
            const kwB = done === dt ? kw1 : kw0 + ((kw1 - kw0) * done) / dt
            const wh = ((kwA + kwB) * seg) / 7200
            s.periodWh += wh
            s.energyWh += wh
            s.periodFilledMs += seg
            s.chargingMs += seg
            kwA = kwB
            if (s.periodFilledMs >= periodMs) {
                closePeriod(s)
                this.revision++
            }
        }
    }

    /** One transition; true when the state changed (then evaluate again). */
    private step(t: number, p: number, valid: boolean, kw: number): boolean {
        const plugged = p >= PILOT_B && p <= PILOT_D
        const requesting = p === PILOT_C || p === PILOT_D
        const fault = p >= PILOT_E
        const canCharge = requesting && valid && kw >= this.config.minChargingKw
        switch (this.state) {
            case AVAILABLE:
                if (plugged) {
                    this.openSession(t)
                    this.enter(PREPARING, t)
                    return true
                }
                if (fault) return this.enterFault(FAULT_PILOT, t)
                return false
            case PREPARING:
            case FINISHED:
                if (p === PILOT_A) return this.closeSession(t)
                if (fault) return this.enterFault(FAULT_PILOT, t)
                if (canCharge) return this.enterCharging(t)
                return false
            case CHARGING:
                if (p === PILOT_A) return this.closeSession(t)
                if (fault) return this.enterFault(FAULT_PILOT, t)
                if (p === PILOT_B) return this.enter(FINISHED, t)
                return this.whileRequesting(t, valid, kw)
            default:
                // faulted
                if (fault) {
                    if (this.faultReason !== FAULT_PILOT) {
                        this.faultReason = FAULT_PILOT
                        this.revision++
                    }
                    return false
                }
                if (p === PILOT_A) {
                    if (this.session) return this.closeSession(t)
                    return this.enter(AVAILABLE, t)
                }
                if (this.faultReason === FAULT_METER && !valid) return false
                if (!this.session) this.openSession(t)
                return this.enter(PREPARING, t)
        }
    }

    /** Charging and requesting: watch for a meter fault or the end of charging. */
    private whileRequesting(t: number, valid: boolean, kw: number): boolean {
        if (!valid) {
            if (!this.hasInvalid) {
                this.hasInvalid = true
                this.invalidSince = t
            }
            if (t - this.invalidSince >= this.config.meterFaultAfterMs) return this.enterFault(FAULT_METER, t)
            return false
        }
        this.hasInvalid = false
        if (kw >= this.config.minChargingKw) {
            this.hasLow = false
            return false
        }
        if (!this.hasLow) {
            this.hasLow = true
            this.lowSince = t
        }
        if (t - this.lowSince >= this.config.finishAfterMs) return this.enter(FINISHED, t)
        return false
    }

    private enter(state: number, t: number): boolean {
        this.state = state
        if (state !== FAULTED) this.faultReason = FAULT_NONE
        this.revision++
        this.out.push({ type: "status", t, state: STATE_NAMES[state] })
        return true
    }

    private enterCharging(t: number): boolean {
        this.hasLow = false
        this.hasInvalid = false
        return this.enter(CHARGING, t)
    }

    private enterFault(reason: number, t: number): boolean {
        if (this.session) this.session.faultCount++
        this.hasLow = false
        this.hasInvalid = false
        this.faultReason = reason
        return this.enter(FAULTED, t)
    }

    private openSession(t: number): void {
        this.sessionSeq++
        const s = new Session(this.sessionSeq, this.tariff, t)
        if (this.pendingAccount !== null) {
            s.account = this.pendingAccount
            s.freeWh = this.pendingFreeWh
            this.pendingAccount = null
            this.pendingFreeWh = 0
        }
        this.session = s
    }

    /** The record goes out before the `available` status of the same sample. */
    private closeSession(t: number): boolean {
        const s = this.session
        if (s) this.out.push(sessionRecord(s, t))
        this.session = null
        return this.enter(AVAILABLE, t)
    }
}
