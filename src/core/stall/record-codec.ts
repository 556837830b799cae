import { CheckpointItem, CheckpointReader, CheckpointWriter } from "../codec/checkpoint"
import { SessionMessage } from "./messages"
import { MAX_TIER_THRESHOLDS } from "../billing/tariff"

/**
 * A session record as a flat list of integers and strings, for the flash outbox:
 * a record's JSON (~650 bytes) is too big for one settings value, this is ~250
 * and cuts into parts like a checkpoint.
 */
export const RECORD_MAGIC = "SR"
const RECORD_VERSION = 1
const BIG = 9007199254740991

function optInt(w: CheckpointWriter, x: number | null): void {
    w.bool(x !== null)
    w.int(x !== null ? x : 0)
}

export function encodeRecord(m: SessionMessage): CheckpointItem[] {
    const w = new CheckpointWriter()
    w.str(RECORD_MAGIC)
    w.int(RECORD_VERSION)
    w.str(m.stallId)
    w.str(m.sessionId)
    w.str(m.fw)
    w.int(m.sessionSeq)
    w.bool(m.account !== null)
    w.str(m.account !== null ? m.account : "")
    w.str(m.tariffId)
    w.str(m.currency)
    w.int(m.pluggedAtMs)
    w.int(m.unpluggedAtMs)
    w.int(m.energyWh)
    w.int(m.chargingMs)
    w.int(m.idleMs)
    w.int(m.idleBilledMinutes)
    w.int(m.tierThresholdsKw.length)
    for (let i = 0; i < m.tierThresholdsKw.length; i++) w.double(m.tierThresholdsKw[i])
    for (let i = 0; i < m.tierMs.length; i++) {
        w.int(m.tierMs[i])
        w.int(m.tierMinutes[i])
    }
    w.int(m.freeWhUsed)
    w.int(m.cost.timeMinor)
    w.int(m.cost.energyMinor)
    w.int(m.cost.idleMinor)
    w.int(m.cost.totalMinor)
    w.int(m.faults.meterInvalidSamples)
    w.int(m.faults.gapMs)
    w.int(m.faults.outages)
    w.int(m.faults.outageMs)
    w.int(m.faults.faultCount)
    optInt(w, m.pluggedAt)
    optInt(w, m.unpluggedAt)
    return w.finish()
}

/** Throws an Error on anything that is not an intact record of this version. */
export function decodeRecord(items: unknown): SessionMessage {
    const r = new CheckpointReader(items)
    if (r.str("record magic") !== RECORD_MAGIC) throw new Error("record: not a session record")
    if (r.int("record version", 0, BIG) !== RECORD_VERSION) throw new Error("record: unknown version")
    const stallId = r.str("stallId")
    const sessionId = r.str("sessionId")
    const fw = r.str("fw")
    const sessionSeq = r.int("sessionSeq", 1, BIG)
    const hasAccount = r.bool("account flag")
    const account = r.str("account")
    const tariffId = r.str("tariffId")
    const currency = r.str("currency")
    const pluggedAtMs = r.time("pluggedAtMs")
    const unpluggedAtMs = r.time("unpluggedAtMs")
    const energyWh = r.int("energyWh", 0, BIG)
    const chargingMs = r.int("chargingMs", 0, BIG)
    const idleMs = r.int("idleMs", 0, BIG)
    const idleBilledMinutes = r.int("idleBilledMinutes", 0, BIG)
    const n = r.int("tier count", 1, MAX_TIER_THRESHOLDS)
    const tierThresholdsKw: number[] = []
    for (let i = 0; i < n; i++) tierThresholdsKw.push(r.double("threshold"))
    const tierMs: number[] = []
    const tierMinutes: number[] = []
    for (let i = 0; i <= n; i++) {
        tierMs.push(r.int("tierMs", 0, BIG))
        tierMinutes.push(r.int("tierMinutes", 0, BIG))
    }
    const freeWhUsed = r.int("freeWhUsed", 0, BIG)
    const timeMinor = r.int("timeMinor", 0, BIG)
    const energyMinor = r.int("energyMinor", 0, BIG)
    const idleMinor = r.int("idleMinor", 0, BIG)
    const totalMinor = r.int("totalMinor", 0, BIG)
    const meterInvalidSamples = r.int("meterInvalidSamples", 0, BIG)
    const gapMs = r.int("gapMs", 0, BIG)
    const outages = r.int("outages", 0, BIG)
    const outageMs = r.int("outageMs", 0, BIG)
    const faultCount = r.int("faultCount", 0, BIG)
    const hasPlugged = r.bool("pluggedAt flag")
    const pluggedAt = r.time("pluggedAt")
    const hasUnplugged = r.bool("unpluggedAt flag")
    const unpluggedAt = r.time("unpluggedAt")
    r.end()
    return {
        type: "session",
        v: 1,
        sessionSeq,
        account: hasAccount ? account : null,
        tariffId,
        currency,
        pluggedAtMs,
        unpluggedAtMs,
        energyWh,
        chargingMs,
        idleMs,
        idleBilledMinutes,
        tierThresholdsKw,
        tierMs,
        tierMinutes,
        freeWhUsed,
        cost: { timeMinor, energyMinor, idleMinor, totalMinor },
        faults: { meterInvalidSamples, gapMs, outages, outageMs, faultCount },
        stallId,
        sessionId,
        fw,
        pluggedAt: hasPlugged ? pluggedAt : null,
        unpluggedAt: hasUnplugged ? unpluggedAt : null,
    }
}
