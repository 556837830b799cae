import { StallConfig } from "./config"
import { isFiniteNumber, isInteger, roundHalfUp } from "../num"
import { Refusal } from "../result"
import { CheckpointItem } from "../codec/checkpoint"
import { Pilot, pilotCode } from "./pilot"
import { closePeriod, idleFactorNow, periodTier, runIdle, Session, SessionRecord, sessionRecord } from "./session"
import { AccountingState, FaultCode, freshState, StallState, StateCode, stateName } from "./state"
import { readState, writeState } from "./state-codec"
import { defaultTariff, Tariff, validateTariff } from "./tariff"

export type { StallState } from "./state"

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
    /** stall-wide: power shared with the paired stall; the site's occupancy, percent */
    sharing: boolean
    occupancyPct: number
    /** what the idle minute under way would bill at if the vehicle left now (session.ts idleFactorNow); 0 when not idle */
    idleFactor: number
}

/**
 * One stall's accounts (SEMANTICS "stall-trace/1"): pure, clock-free, fed with
 * samples and events, producing status changes and session records.
 */
export class StallAccounting {
    readonly config: StallConfig
    /** bumped on every change a checkpoint must hold (state, period close, events) */
    revision = 0
    private m: AccountingState
    private out: Output[] = []

    constructor(config: StallConfig, tariff?: Tariff) {
        this.config = config
        this.m = freshState(tariff ? tariff : defaultTariff())
    }

    /** The open session's running accounts (read only), or null. */
    session(): Session | null {
        return this.m.session
    }

    /** The tariff for sessions opened from now on (read only). */
    tariff(): Tariff {
        return this.m.tariff
    }

    /** Time of the last accepted sample (0 before any). */
    lastT(): number {
        return this.m.lastT
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
    sample(t: number, pilot: string, volts: number, amps: number): Refusal {
        if (!isInteger(t)) return "t must be an integer"
        const p = pilotCode(pilot)
        if (p < 0) return "pilot must be one of A B C D E F"
        if (this.m.hasPrev && t < this.m.lastT) return "t went backwards"

        let valid = isFiniteNumber(volts) && isFiniteNumber(amps) && volts >= 0
        let kw = valid ? (volts * amps) / 1000 : 0
        if (valid && (kw < -1 || kw > this.config.maxKw)) valid = false
        if (!valid || kw < 0) kw = 0

        const s = this.m.session
        if (this.m.rebootPending) {
            // the outage is unobserved: no energy, no charging, no idle
            if (this.m.hasPrev && s) {
                s.outages++
                s.outageMs += t - this.m.lastT
            }
            this.m.rebootPending = false
        } else if (this.m.hasPrev && s) this.closeInterval(s, t, valid, kw)
        if (s && !valid) s.meterInvalidSamples++

        let n = 0
        while (this.step(t, p, valid, kw) && ++n < MAX_TRANSITIONS);

        this.m.hasPrev = true
        this.m.lastT = t
        this.m.lastValid = valid
        this.m.lastKw = kw
        // the next interval starts seeing what is in force now
        this.m.seenSharing = this.m.sharing
        this.m.seenMinPct = this.m.occupancyPct
        return null
    }

    /** Attaches an account to the open session, or to the next one. */
    authorize(account: unknown, freeWh: unknown): Refusal {
        if (typeof account !== "string" || account.length < 1 || account.length > 64)
            return "account must be a string of 1 to 64 characters"
        const credit = isFiniteNumber(freeWh) && freeWh >= 0 ? freeWh : 0
        const s = this.m.session
        if (s) {
            s.account = account
            s.freeWh = credit
        } else {
            this.m.pendingAccount = account
            this.m.pendingFreeWh = credit
        }
        this.revision++
        return null
    }

    /** A new tariff for sessions opened after it; the open session keeps its own. */
    setTariff(x: unknown): Refusal {
        const t = validateTariff(x)
        if (t.error !== null) return t.error
        this.m.tariff = t.value
        this.revision++
        return null
    }

    /** The power module shares this stall's power with the paired one (on) or not. */
    setSharing(on: unknown): Refusal {
        if (on !== true && on !== false) return "on must be true or false"
        this.m.sharing = on
        if (on) this.m.seenSharing = true
        this.revision++
        return null
    }

    /** The site's occupancy, in percent of its stalls with a vehicle plugged in. */
    setOccupancy(percent: unknown): Refusal {
        if (!isFiniteNumber(percent) || percent < 0 || percent > 100) return "percent must be a number in [0, 100]"
        this.m.occupancyPct = percent
        if (percent < this.m.seenMinPct) this.m.seenMinPct = percent
        this.revision++
        return null
    }

    /** Call after restoring the checkpoint at boot: the next sample closes no interval. */
    reboot(): void {
        this.m.rebootPending = true
        this.m.hasLow = false
        this.m.hasInvalid = false
        this.revision++
    }

    /** Everything needed to continue after a power loss (layout: state-codec.ts). */
    checkpoint(): CheckpointItem[] {
        return writeState(this.m)
    }

    /** Throws a clear Error on a corrupt or foreign checkpoint, changing nothing. */
    restore(items: unknown): void {
        this.m = readState(items)
        this.revision++
    }

    snapshot(): AccountingSnapshot {
        const s = this.m.session
        return {
            state: stateName(this.m.state),
            faultReason:
                this.m.faultReason === FaultCode.Pilot
                    ? "pilot"
                    : this.m.faultReason === FaultCode.Meter
                      ? "meter"
                      : null,
            lastT: this.m.hasPrev ? this.m.lastT : null,
            powerW: roundHalfUp(this.m.lastKw * 1000),
            readingValid: this.m.lastValid,
            session: s ? sessionRecord(s, this.m.lastT) : null,
            currentTier: s && s.periodFilledMs > 0 ? periodTier(s) : -1,
            sharing: this.m.sharing,
            occupancyPct: this.m.occupancyPct,
            idleFactor: s && this.m.state === StateCode.Finished ? idleFactorNow(s, this.m.seenMinPct) : 0,
        }
    }

    stateName(): StallState {
        return stateName(this.m.state)
    }

    /** The interval (lastT, t] belongs to the state held after the previous sample. */
    private closeInterval(s: Session, t: number, validB: boolean, kwB: number): void {
        const dt = t - this.m.lastT
        const inGap = dt <= this.config.maxGapMs
        let kw0 = 0
        let kw1 = 0
        if (this.m.lastValid && validB) {
            if (inGap) {
                kw0 = this.m.lastKw
                kw1 = kwB
            } else {
                kw0 = kw1 = Math.min(this.m.lastKw, kwB)
                s.gapMs += dt
            }
        } else if ((this.m.lastValid || validB) && inGap) {
            kw0 = kw1 = this.m.lastValid ? this.m.lastKw : kwB
        } else s.gapMs += dt

        // seen*: what was in force at lastT and every event since, so what is in force now too
        if (this.m.state === StateCode.Charging) this.runStopwatch(s, dt, kw0, kw1, this.m.seenSharing)
        else {
            s.energyWh += ((kw0 + kw1) * dt) / 7200
            if (this.m.state === StateCode.Finished) runIdle(s, dt, this.m.seenMinPct)
        }
    }

    /** Charging time, cut at period boundaries with power interpolated linearly. */
    private runStopwatch(s: Session, dt: number, kw0: number, kw1: number, shared: boolean): void {
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
            if (shared) s.periodShared = true
            kwA = kwB
            if (s.periodFilledMs >= periodMs) {
                closePeriod(s)
                this.revision++
            }
        }
    }

    /** One transition; true when the state changed (then evaluate again). */
    private step(t: number, p: number, valid: boolean, kw: number): boolean {
        const plugged = p >= Pilot.B && p <= Pilot.D
        const requesting = p === Pilot.C || p === Pilot.D
        const fault = p >= Pilot.E
        const canCharge = requesting && valid && kw >= this.config.minChargingKw
        switch (this.m.state) {
            case StateCode.Available:
                if (plugged) {
                    this.openSession(t)
                    this.enter(StateCode.Preparing, t)
                    return true
                }
                if (fault) return this.enterFault(FaultCode.Pilot, t)
                return false
            case StateCode.Preparing:
            case StateCode.Finished:
                if (p === Pilot.A) return this.closeSession(t)
                if (fault) return this.enterFault(FaultCode.Pilot, t)
                if (canCharge) return this.enterCharging(t)
                return false
            case StateCode.Charging:
                if (p === Pilot.A) return this.closeSession(t)
                if (fault) return this.enterFault(FaultCode.Pilot, t)
                if (p === Pilot.B) return this.enter(StateCode.Finished, t)
                return this.whileRequesting(t, valid, kw)
            default:
                // faulted
                if (fault) {
                    if (this.m.faultReason !== FaultCode.Pilot) {
                        this.m.faultReason = FaultCode.Pilot
                        this.revision++
                    }
                    return false
                }
                if (p === Pilot.A) {
                    if (this.m.session) return this.closeSession(t)
                    return this.enter(StateCode.Available, t)
                }
                if (this.m.faultReason === FaultCode.Meter && !valid) return false
                if (!this.m.session) this.openSession(t)
                return this.enter(StateCode.Preparing, t)
        }
    }

    /** Charging and requesting: watch for a meter fault or the end of charging. */
    private whileRequesting(t: number, valid: boolean, kw: number): boolean {
        if (!valid) {
            if (!this.m.hasInvalid) {
                this.m.hasInvalid = true
                this.m.invalidSince = t
            }
            if (t - this.m.invalidSince >= this.config.meterFaultAfterMs) return this.enterFault(FaultCode.Meter, t)
            return false
        }
        this.m.hasInvalid = false
        if (kw >= this.config.minChargingKw) {
            this.m.hasLow = false
            return false
        }
        if (!this.m.hasLow) {
            this.m.hasLow = true
            this.m.lowSince = t
        }
        if (t - this.m.lowSince >= this.config.finishAfterMs) return this.enter(StateCode.Finished, t)
        return false
    }

    private enter(state: StateCode, t: number): boolean {
        this.m.state = state
        if (state !== StateCode.Faulted) this.m.faultReason = FaultCode.None
        this.revision++
        this.out.push({ type: "status", t, state: stateName(state) })
        return true
    }

    private enterCharging(t: number): boolean {
        this.m.hasLow = false
        this.m.hasInvalid = false
        return this.enter(StateCode.Charging, t)
    }

    private enterFault(reason: FaultCode, t: number): boolean {
        if (this.m.session) this.m.session.faultCount++
        this.m.hasLow = false
        this.m.hasInvalid = false
        this.m.faultReason = reason
        return this.enter(StateCode.Faulted, t)
    }

    private openSession(t: number): void {
        this.m.sessionSeq++
        const s = new Session(this.m.sessionSeq, this.m.tariff, t)
        if (this.m.pendingAccount !== null) {
            s.account = this.m.pendingAccount
            s.freeWh = this.m.pendingFreeWh
            this.m.pendingAccount = null
            this.m.pendingFreeWh = 0
        }
        this.m.session = s
    }

    /** The record goes out before the `available` status of the same sample. */
    private closeSession(t: number): boolean {
        const s = this.m.session
        if (s) this.out.push(sessionRecord(s, t))
        this.m.session = null
        return this.enter(StateCode.Available, t)
    }
}
