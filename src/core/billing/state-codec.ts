import { CHECKPOINT_MAGIC, CheckpointItem, CheckpointReader, CheckpointWriter } from "../codec/checkpoint"
import { idleMinutesOnGrid, Session } from "./session"
import { AccountingState, FaultCode, StateCode } from "./state"
import { MAX_TIER_THRESHOLDS, Tariff, validateTariff } from "./tariff"

/** Bump on any layout change: a checkpoint of another version is refused (v1 is read with v2's defaults). */
export const CHECKPOINT_VERSION = 2
/** v1: before power sharing and occupancy (SEMANTICS v1) */
const V1 = 1

const MAX_COUNT = 2147483647

function writeTariff(w: CheckpointWriter, t: Tariff): void {
    w.str(t.id)
    w.str(t.currency)
    w.bool(t.mode === "per_kwh")
    w.int(t.tierThresholdsKw.length)
    for (let i = 0; i < t.tierThresholdsKw.length; i++) w.double(t.tierThresholdsKw[i])
    for (let i = 0; i < t.perMinuteMinor.length; i++) w.double(t.perMinuteMinor[i])
    w.double(t.perKwhMinor)
    w.double(t.idlePerMinuteMinor)
    w.double(t.idleGraceMs)
    w.bool(t.idleGraceMode === "waive")
    w.double(t.periodMs)
    w.double(t.idleMinOccupancyPct)
    w.double(t.idleFullMultiplier)
}

function readTariff(r: CheckpointReader, version: number): Tariff {
    const id = r.str("tariff id")
    const currency = r.str("tariff currency")
    const perKwh = r.bool("tariff mode")
    const n = r.int("tier count", 1, MAX_TIER_THRESHOLDS)
    const th: number[] = []
    for (let i = 0; i < n; i++) th.push(r.double("tier threshold"))
    const prices: number[] = []
    for (let i = 0; i <= n; i++) prices.push(r.double("tier price"))
    const t = validateTariff({
        id,
        currency,
        mode: perKwh ? "per_kwh" : "per_minute",
        tierThresholdsKw: th,
        perMinuteMinor: prices,
        perKwhMinor: r.double("perKwhMinor"),
        idlePerMinuteMinor: r.double("idlePerMinuteMinor"),
        idleGraceMs: r.double("idleGraceMs"),
        idleGraceMode: r.bool("idleGraceMode") ? "waive" : "deduct",
        periodMs: r.double("periodMs"),
        idleMinOccupancyPct: version > V1 ? r.double("idleMinOccupancyPct") : undefined,
        idleFullMultiplier: version > V1 ? r.double("idleFullMultiplier") : undefined,
    })
    if (t.error !== null) throw new Error("checkpoint: tariff invalid: " + t.error)
    return t.value
}

function writeSession(w: CheckpointWriter, s: Session): void {
    w.int(s.seq)
    w.int(s.pluggedAtMs)
    w.bool(s.account !== null)
    w.str(s.account !== null ? s.account : "")
    w.double(s.freeWh)
    writeTariff(w, s.tariff)
    w.double(s.energyWh)
    w.int(s.chargingMs)
    w.int(s.periodFilledMs)
    w.double(s.periodWh)
    w.int(s.idleMs)
    for (let i = 0; i < s.tierMs.length; i++) {
        w.int(s.tierMs[i])
        w.int(s.tierMinutes[i])
    }
    w.int(s.meterInvalidSamples)
    w.int(s.gapMs)
    w.int(s.outages)
    w.int(s.outageMs)
    w.int(s.faultCount)
    w.bool(s.periodShared)
    w.int(s.sharedPeriods)
    w.int(s.idleMinutesClosed)
    w.double(s.idleMinuteMinPct)
    w.int(s.idleBilledMinutes)
    w.int(s.idleFullMinutes)
}

function readSession(r: CheckpointReader, version: number): Session {
    const seq = r.int("session seq", 1, MAX_COUNT)
    const pluggedAtMs = r.time("pluggedAtMs")
    const hasAccount = r.bool("account flag")
    const account = r.str("account")
    const freeWh = r.double("freeWh")
    const s = new Session(seq, readTariff(r, version), pluggedAtMs)
    s.account = hasAccount ? account : null
    s.freeWh = freeWh
    s.energyWh = r.double("energyWh")
    s.chargingMs = r.int("chargingMs", 0, Infinity)
    s.periodFilledMs = r.int("periodFilledMs", 0, s.tariff.periodMs - 1)
    s.periodWh = r.double("periodWh")
    s.idleMs = r.int("idleMs", 0, Infinity)
    let tierSum = 0
    for (let i = 0; i < s.tierMs.length; i++) {
        s.tierMs[i] = r.int("tierMs", 0, Infinity)
        s.tierMinutes[i] = r.int("tierMinutes", 0, MAX_COUNT)
        tierSum += s.tierMs[i]
    }
    if (tierSum + s.periodFilledMs !== s.chargingMs)
        throw new Error("checkpoint: tier times do not add up to chargingMs")
    s.meterInvalidSamples = r.int("meterInvalidSamples", 0, MAX_COUNT)
    s.gapMs = r.int("gapMs", 0, Infinity)
    s.outages = r.int("outages", 0, MAX_COUNT)
    s.outageMs = r.int("outageMs", 0, Infinity)
    s.faultCount = r.int("faultCount", 0, MAX_COUNT)
    if (version === V1) {
        // no sharing, occupancy 0 and factors 1: every closed idle minute was billed
        s.idleMinutesClosed = idleMinutesOnGrid(s.tariff, s.idleMs)
        s.idleBilledMinutes = s.idleMinutesClosed
        s.idleMinuteMinPct = 0
        return s
    }
    s.periodShared = r.bool("periodShared")
    s.sharedPeriods = r.int("sharedPeriods", 0, MAX_COUNT)
    s.idleMinutesClosed = r.int("idleMinutesClosed", 0, MAX_COUNT)
    if (s.idleMinutesClosed !== idleMinutesOnGrid(s.tariff, s.idleMs))
        throw new Error("checkpoint: idle minutes do not match idleMs")
    s.idleMinuteMinPct = r.double("idleMinuteMinPct")
    s.idleBilledMinutes = r.int("idleBilledMinutes", 0, s.idleMinutesClosed)
    s.idleFullMinutes = r.int("idleFullMinutes", 0, s.idleBilledMinutes)
    if (s.idleMinuteMinPct > 100) throw new Error("checkpoint: idleMinuteMinPct above 100")
    return s
}

/** The accounting state as checkpoint items (layout versioned by CHECKPOINT_VERSION). */
export function writeState(a: AccountingState): CheckpointItem[] {
    const w = new CheckpointWriter()
    w.str(CHECKPOINT_MAGIC)
    w.int(CHECKPOINT_VERSION)
    w.int(a.state)
    w.int(a.faultReason)
    w.int(a.sessionSeq)
    w.bool(a.hasPrev)
    w.int(a.lastT)
    w.bool(a.lastValid)
    w.double(a.lastKw)
    w.bool(a.rebootPending)
    w.bool(a.hasLow)
    w.int(a.lowSince)
    w.bool(a.hasInvalid)
    w.int(a.invalidSince)
    writeTariff(w, a.tariff)
    w.bool(a.pendingAccount !== null)
    w.str(a.pendingAccount !== null ? a.pendingAccount : "")
    w.double(a.pendingFreeWh)
    w.bool(a.session !== null)
    if (a.session) writeSession(w, a.session)
    w.bool(a.sharing)
    w.double(a.occupancyPct)
    w.bool(a.seenSharing)
    w.double(a.seenMinPct)
    return w.finish()
}

/** The state a checkpoint holds; throws an Error naming the first problem. */
export function readState(items: unknown): AccountingState {
    const r = new CheckpointReader(items)
    if (r.str("magic") !== CHECKPOINT_MAGIC) throw new Error("checkpoint: not a stall checkpoint")
    const version = r.int("version", 0, MAX_COUNT)
    if (version !== CHECKPOINT_VERSION && version !== V1)
        throw new Error("checkpoint: version " + version + ", expected " + CHECKPOINT_VERSION)
    const state: StateCode = r.int("state", StateCode.Available, StateCode.Faulted)
    const faultReason: FaultCode = r.int("fault reason", FaultCode.None, FaultCode.Meter)
    const sessionSeq = r.int("sessionSeq", 0, MAX_COUNT)
    const hasPrev = r.bool("hasPrev")
    const lastT = r.time("lastT")
    const lastValid = r.bool("lastValid")
    const lastKw = r.double("lastKw")
    const rebootPending = r.bool("rebootPending")
    const hasLow = r.bool("hasLow")
    const lowSince = r.time("lowSince")
    const hasInvalid = r.bool("hasInvalid")
    const invalidSince = r.time("invalidSince")
    const tariff = readTariff(r, version)
    const hasPending = r.bool("pending flag")
    const pendingAccount = r.str("pending account")
    const pendingFreeWh = r.double("pending freeWh")
    const session = r.bool("session flag") ? readSession(r, version) : null
    const v2 = version > V1
    const sharing = v2 ? r.bool("sharing") : false
    const occupancyPct = v2 ? r.double("occupancyPct") : 0
    const seenSharing = v2 ? r.bool("seenSharing") : false
    const seenMinPct = v2 ? r.double("seenMinPct") : 0
    r.end()
    if (occupancyPct > 100 || seenMinPct > occupancyPct) throw new Error("checkpoint: occupancy out of range")
    // available has no session; preparing, charging and finished always have one
    if ((state === StateCode.Available) !== (session === null) && state !== StateCode.Faulted)
        throw new Error("checkpoint: state and session disagree")
    if (session && session.seq !== sessionSeq) throw new Error("checkpoint: session seq mismatch")
    return {
        state,
        faultReason,
        sessionSeq,
        tariff,
        pendingAccount: hasPending ? pendingAccount : null,
        pendingFreeWh,
        session,
        hasPrev,
        lastT,
        lastValid,
        lastKw,
        rebootPending,
        hasLow,
        lowSince,
        hasInvalid,
        invalidSince,
        sharing,
        occupancyPct,
        seenSharing,
        seenMinPct,
    }
}
