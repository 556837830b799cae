import { CheckpointItem, CheckpointReader, CheckpointWriter } from "../codec/checkpoint"
import { SessionMessage } from "./messages"
import { MAX_TIER_THRESHOLDS } from "../billing/tariff"
import { mod } from "../num"

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
        // this layout predates power sharing and occupancy (SEMANTICS v1): both 0
        idleFullMinutes: 0,
        tierThresholdsKw,
        tierMs,
        tierMinutes,
        sharedPeriods: 0,
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

/**
 * Outbox v3: a record as a short string of self-delimiting base-32 digits, so
 * several fit in one 200-byte settings value (an "outbox page"). A number is
 * written low digits first, `0-9A-V` for a digit that continues, `W-Z a-z - _`
 * for the last one; a string is its length + 1 then its characters, or the one
 * digit for 0, "same as the previous record on this page". A typical record is
 * ~90 characters (v1: ~250 bytes of JSON in two values). v3 adds idleFullMinutes
 * and sharedPeriods (SEMANTICS v2); a v2 page ("R2") still reads, with both 0.
 */
export const PAGE_MAGIC = "R3"
const PAGE_MAGIC_V2 = "R2"
const GO = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
const END = "WXYZabcdefghijklmnopqrstuvwxyz-_"
const TWO_52 = 4503599627370496

function digitOf(c: number): number {
    if (c >= 48 && c <= 57) return c - 48
    if (c >= 65 && c <= 86) return c - 55
    return -1
}

function endDigitOf(c: number): number {
    if (c >= 87 && c <= 90) return c - 87
    if (c >= 97 && c <= 122) return c - 93
    if (c === 45) return 30
    if (c === 95) return 31
    return -1
}

function isInt(x: number): boolean {
    return typeof x === "number" && Math.floor(x) === x && x >= -TWO_52 && x <= TWO_52
}

/**
 * Builds one page's text; throws on a value it cannot hold exactly. Characters
 * collect as codes and become a string once: the VM allocates a new string for
 * every `+=`, and 48 records built that way took minutes in its GC-stressed test mode.
 */
export class PageWriter {
    private codes: number[] = []
    private prev: string[] = []
    private field = 0

    constructor() {
        this.chars(PAGE_MAGIC)
    }

    private chars(s: string): void {
        for (let i = 0; i < s.length; i++) {
            const c = s.charCodeAt(i)
            // printable ASCII only: one byte a character in both runtimes
            if (c < 32 || c > 126) throw new Error("record: a string the outbox cannot hold")
            this.codes.push(c)
        }
    }

    uint(x: number): void {
        if (!isInt(x) || x < 0) throw new Error("record: not a small unsigned integer")
        while (x >= 32) {
            const d = mod(x, 32)
            this.codes.push(GO.charCodeAt(d))
            x = (x - d) / 32
        }
        this.codes.push(END.charCodeAt(x))
    }

    sint(x: number): void {
        if (!isInt(x)) throw new Error("record: not an integer")
        this.uint(x >= 0 ? x * 2 : -x * 2 - 1)
    }

    /** A duration or time in ms: whole seconds (the usual case) in fewer digits. */
    ms(x: number): void {
        if (!isInt(x) || x < 0) throw new Error("record: not a duration")
        this.uint(mod(x, 1000) === 0 ? (x / 1000) * 2 : x * 2 + 1)
    }

    str(s: string): void {
        const f = this.field++
        if (this.prev[f] === s) return this.uint(0)
        this.prev[f] = s
        this.uint(s.length + 1)
        this.chars(s)
    }

    /** A threshold: an integer as 2x, else 1 and the checkpoint's three integers. */
    double(x: number): void {
        if (isInt(x) && x >= 0) return this.uint(x * 2)
        const w = new CheckpointWriter()
        w.double(x)
        this.uint(1)
        this.uint(w.items[0] as number)
        this.uint(w.items[1] as number)
        this.sint(w.items[2] as number)
    }

    /** Starts the next record: string fields compare with the previous record's. */
    next(): void {
        this.field = 0
    }

    /** The page's text with its check digits after a ".". */
    finish(): string {
        let h = 7
        for (let i = 0; i < this.codes.length; i++) h = (h * 31 + this.codes[i]) % 1048573
        this.codes.push(46)
        this.uint(h)
        return Buffer.from(this.codes).toString()
    }
}

function pageCheck(s: string): number {
    let h = 7
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 1048573
    return h
}

export class PageReader {
    /** the page holds idleFullMinutes and sharedPeriods (not a v2 page) */
    readonly v3: boolean
    private text: string
    private pos = 0
    private prev: string[] = []
    private field = 0

    constructor(page: unknown) {
        const text = typeof page === "string" ? page : ""
        const magic = text.slice(0, 2)
        if (magic !== PAGE_MAGIC && magic !== PAGE_MAGIC_V2) throw new Error("outbox page: not a page")
        this.v3 = magic === PAGE_MAGIC
        const dot = text.lastIndexOf(".")
        if (dot < 2) throw new Error("outbox page: no check digits")
        this.text = text
        this.pos = dot + 1
        if (this.uint() !== pageCheck(text.slice(0, dot)) || this.pos !== text.length)
            throw new Error("outbox page: check digits do not match")
        this.pos = 2
    }

    /** At the "." that ends the records. */
    done(): boolean {
        return this.text.charCodeAt(this.pos) === 46
    }

    uint(): number {
        let x = 0
        let scale = 1
        for (;;) {
            if (this.pos >= this.text.length) throw new Error("outbox page: truncated")
            const c = this.text.charCodeAt(this.pos++)
            const e = endDigitOf(c)
            if (e >= 0) return x + e * scale
            const d = digitOf(c)
            if (d < 0 || scale > TWO_52) throw new Error("outbox page: bad digit at " + (this.pos - 1))
            x += d * scale
            scale *= 32
        }
    }

    sint(): number {
        const u = this.uint()
        return mod(u, 2) === 0 ? u / 2 : -(u + 1) / 2
    }

    ms(): number {
        const u = this.uint()
        return mod(u, 2) === 0 ? (u / 2) * 1000 : (u - 1) / 2
    }

    str(): string {
        const f = this.field++
        const n = this.uint()
        if (n === 0) {
            if (this.prev[f] === undefined) throw new Error("outbox page: no previous string")
            return this.prev[f]
        }
        if (this.pos + n - 1 > this.text.length) throw new Error("outbox page: truncated string")
        const s = this.text.slice(this.pos, this.pos + n - 1)
        this.pos += n - 1
        this.prev[f] = s
        return s
    }

    double(): number {
        const u = this.uint()
        if (u !== 1) return u / 2
        let x = this.uint() * 67108864 + this.uint()
        let k = this.sint()
        if (k < -1100 || k > 1100) throw new Error("outbox page: bad threshold")
        // in steps, so no power of two overflows (as CheckpointReader.double)
        for (; k > 0; k -= k > 1000 ? 1000 : k) x /= Math.pow(2, k > 1000 ? 1000 : k)
        for (; k < 0; k += k < -1000 ? 1000 : -k) x *= Math.pow(2, k < -1000 ? 1000 : -k)
        return x
    }

    next(): void {
        this.field = 0
    }
}

/** The lineage in sessionId = stallId-lineage-seq, -1 when the id is not of that form. */
/** What orders records: a SessionMessage, or the outbox's key of one. */
export interface RecordKey {
    stallId: string
    sessionId: string
    sessionSeq: number
}

function lineageOf(m: RecordKey): number {
    const id = m.sessionId
    const head = m.stallId + "-"
    const tail = "-" + m.sessionSeq
    if (!id.startsWith(head) || id.length <= head.length + tail.length) return -1
    if (id.slice(id.length - tail.length) !== tail) return -1
    const mid = id.slice(head.length, id.length - tail.length)
    if (mid.length > 15 || (mid.length > 1 && mid.charCodeAt(0) === 48)) return -1
    let x = 0
    for (let i = 0; i < mid.length; i++) {
        const c = mid.charCodeAt(i)
        if (c < 48 || c > 57) return -1
        x = x * 10 + (c - 48)
    }
    return x
}

/** Appends one record to a page. */
export function writeCompact(w: PageWriter, m: SessionMessage): void {
    w.next()
    const lineage = lineageOf(m)
    const standardId = lineage >= 0
    const flags =
        (m.account !== null ? 1 : 0) +
        (m.pluggedAt !== null ? 2 : 0) +
        (m.unpluggedAt !== null ? 4 : 0) +
        (standardId ? 0 : 8)
    w.uint(flags)
    w.str(m.stallId)
    w.str(m.fw)
    w.str(m.tariffId)
    w.str(m.currency)
    w.str(m.account !== null ? m.account : "")
    if (standardId) w.uint(lineage)
    else w.str(m.sessionId)
    w.uint(m.sessionSeq)
    w.ms(m.pluggedAtMs)
    w.ms(m.unpluggedAtMs - m.pluggedAtMs)
    w.uint(m.energyWh)
    let tierSum = 0
    for (let i = 0; i < m.tierMs.length; i++) tierSum += m.tierMs[i]
    // the charging time is the tiers' sum: the difference is stored
    w.sint(m.chargingMs - tierSum)
    w.ms(m.idleMs)
    w.uint(m.idleBilledMinutes)
    w.uint(m.idleFullMinutes)
    const n = m.tierThresholdsKw.length
    if (n < 1 || n > MAX_TIER_THRESHOLDS || m.tierMs.length !== n + 1 || m.tierMinutes.length !== n + 1)
        throw new Error("record: bad tiers")
    w.uint(n)
    for (let i = 0; i < n; i++) w.double(m.tierThresholdsKw[i])
    for (let i = 0; i <= n; i++) {
        w.ms(m.tierMs[i])
        w.uint(m.tierMinutes[i])
    }
    w.uint(m.sharedPeriods)
    w.uint(m.freeWhUsed)
    w.uint(m.cost.timeMinor)
    w.uint(m.cost.energyMinor)
    w.uint(m.cost.idleMinor)
    // the total is the sum of the three: the difference is stored
    w.sint(m.cost.totalMinor - m.cost.timeMinor - m.cost.energyMinor - m.cost.idleMinor)
    w.uint(m.faults.meterInvalidSamples)
    w.ms(m.faults.gapMs)
    w.uint(m.faults.outages)
    w.ms(m.faults.outageMs)
    w.uint(m.faults.faultCount)
    const plugOffset = m.pluggedAt !== null ? m.pluggedAt - m.pluggedAtMs : 0
    if (m.pluggedAt !== null) w.sint(plugOffset)
    if (m.unpluggedAt !== null) w.sint(m.unpluggedAt - m.unpluggedAtMs - plugOffset)
}

/** Reads the next record of a page; throws on anything that is not one. */
export function readCompact(r: PageReader): SessionMessage {
    r.next()
    const flags = r.uint()
    if (flags > 15) throw new Error("outbox page: bad flags")
    const stallId = r.str()
    const fw = r.str()
    const tariffId = r.str()
    const currency = r.str()
    const account = r.str()
    const sessionId = (flags & 8) === 0 ? stallId + "-" + r.uint() : r.str()
    const sessionSeq = r.uint()
    const pluggedAtMs = r.ms()
    const unpluggedAtMs = pluggedAtMs + r.ms()
    const energyWh = r.uint()
    const chargingDiff = r.sint()
    const idleMs = r.ms()
    const idleBilledMinutes = r.uint()
    const idleFullMinutes = r.v3 ? r.uint() : 0
    const n = r.uint()
    if (n < 1 || n > MAX_TIER_THRESHOLDS) throw new Error("outbox page: bad tier count")
    const tierThresholdsKw: number[] = []
    for (let i = 0; i < n; i++) tierThresholdsKw.push(r.double())
    const tierMs: number[] = []
    const tierMinutes: number[] = []
    for (let i = 0; i <= n; i++) {
        tierMs.push(r.ms())
        tierMinutes.push(r.uint())
    }
    const sharedPeriods = r.v3 ? r.uint() : 0
    let chargingMs = chargingDiff
    for (let i = 0; i < tierMs.length; i++) chargingMs += tierMs[i]
    const freeWhUsed = r.uint()
    const timeMinor = r.uint()
    const energyMinor = r.uint()
    const idleMinor = r.uint()
    const totalMinor = timeMinor + energyMinor + idleMinor + r.sint()
    const meterInvalidSamples = r.uint()
    const gapMs = r.ms()
    const outages = r.uint()
    const outageMs = r.ms()
    const faultCount = r.uint()
    const plugOffset = (flags & 2) !== 0 ? r.sint() : 0
    const unpluggedAt = (flags & 4) !== 0 ? unpluggedAtMs + plugOffset + r.sint() : null
    return {
        type: "session",
        v: 1,
        sessionSeq,
        account: (flags & 1) !== 0 ? account : null,
        tariffId,
        currency,
        pluggedAtMs,
        unpluggedAtMs,
        energyWh,
        chargingMs,
        idleMs,
        idleBilledMinutes,
        idleFullMinutes,
        tierThresholdsKw,
        tierMs,
        tierMinutes,
        sharedPeriods,
        freeWhUsed,
        cost: { timeMinor, energyMinor, idleMinor, totalMinor },
        faults: { meterInvalidSamples, gapMs, outages, outageMs, faultCount },
        stallId,
        sessionId: (flags & 8) === 0 ? sessionId + "-" + sessionSeq : sessionId,
        fw,
        pluggedAt: (flags & 2) !== 0 ? pluggedAtMs + plugOffset : null,
        unpluggedAt,
    }
}

/** Records in one page, most of a 200-byte value; the page says which records it holds. */
export const PAGE_MAX_RECORDS = 8

/** One outbox page's text for these records (in order). */
export function outboxPage(records: SessionMessage[]): string {
    const w = new PageWriter()
    for (let i = 0; i < records.length; i++) writeCompact(w, records[i])
    return w.finish()
}

/** The records of one page; throws on a damaged page. */
export function pageRecords(text: unknown): SessionMessage[] {
    const r = new PageReader(text)
    const out: SessionMessage[] = []
    while (!r.done()) {
        if (out.length >= PAGE_MAX_RECORDS) throw new Error("outbox page: too many records")
        out.push(readCompact(r))
    }
    return out
}

/** Oldest first: by lineage (boot of the accounts), then sequence; other ids last, by id. */
export function recordOrder(a: RecordKey, b: RecordKey): number {
    const la = lineageOf(a)
    const lb = lineageOf(b)
    if (la !== lb) return la < 0 ? 1 : lb < 0 ? -1 : la - lb
    if (la >= 0) return a.sessionSeq - b.sessionSeq
    return a.sessionId === b.sessionId ? 0 : a.sessionSeq - b.sessionSeq
}

/**
 * A record as the controller holds it until acknowledged: a one-record page (~100
 * characters; the VM's 64 KB heap holds 64 of these, not 64 record objects). A
 * record the page format cannot hold exactly is held as its JSON: it is still
 * sent, but the flash store cannot keep it.
 */
export function heldRecord(m: SessionMessage): string {
    const json = JSON.stringify(m)
    try {
        const text = outboxPage([m])
        // read back: what is held must give the record exactly, or the JSON is held
        if (JSON.stringify(recordOfHeld(text)) === json) return text
    } catch (e) {
        // a value the page format cannot hold: the JSON below
    }
    return json
}

/** The record heldRecord() made; throws on a text it did not make. */
export function recordOfHeld(text: string): SessionMessage {
    if (text.charCodeAt(0) === 123) return JSON.parse(text) as SessionMessage
    const records = pageRecords(text)
    if (records.length !== 1) throw new Error("outbox: a held record is one record")
    return records[0]
}
