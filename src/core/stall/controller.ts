import { Output, StallAccounting, StallState } from "../billing/accounting"
import { CheckpointItem } from "../codec/checkpoint"
import { parseAck, parseAuthorize, parseClock, parseOccupancy, parseSharing, parseTariff } from "./commands"
import {
    EventKind,
    eventMessage,
    RecordSummary,
    SessionMessage,
    sessionMessage,
    StallIdentity,
    statusMessage,
    telemetryMessage,
} from "./messages"
import { heldRecord, recordOfHeld } from "./record-codec"
import { StallTopic, stallTopic, topicKind } from "./topics"

/**
 * The stall controller's decisions, pure: samples, MQTT messages, ticks and
 * connection changes go in (with the time); what is due comes out as one value
 * (`due()`: the outbox and checkpoint to write, then what to publish), and the
 * shell says what it saved (`saved()`). The firmware (src/main.ts, through
 * flush.ts) and the fleet simulator wrap it with real I/O, so what the stall
 * says and when is tested in Node, and runs unchanged on the device.
 */
export interface ControllerConfig {
    telemetryMs: number
    /** how often unacknowledged records are sent again */
    resendMs: number
    /** mirror every consumed sample and applied event on …/tap */
    tap: boolean
    /** unacknowledged records held (in RAM; flash keeps as many as fit) */
    maxOutbox: number
}

export interface Publish {
    topic: string
    payload: string
    qos: number
    retain: boolean
}

/** A checkpoint taken now, with what it covers (see checkpointSaved). */
export interface TakenCheckpoint {
    items: CheckpointItem[]
    revision: number
    /** tap rows emitted up to this checkpoint */
    tapRows: number
}

export interface OutboxEntry {
    sessionId: string
    /** the record, compact (record-codec.ts heldRecord) */
    text: string
}

/** What the store made of an outbox write. */
export interface OutboxSaved {
    /** every write went through */
    ok: boolean
    /** records the flash has no room for: held in RAM only */
    unsaved: string[]
}

/** Everything the shell must do now, in this order: flash first, then the wire. */
export interface Due {
    /** the whole outbox, to write because it changed; null when unchanged */
    outbox: OutboxEntry[] | null
    /** the checkpoint to write; null when none is due */
    checkpoint: TakenCheckpoint | null
    publish: Publish[]
}

/** The stall's defaults, shared by the firmware and the fleet simulator. */
export const RESEND_MS = 30000
/**
 * Unacknowledged records held, oldest first: flash keeps at least 48 of them
 * (store/flash.ts), the rest wait in RAM with an outbox_full event each. Past
 * this the oldest record held in RAM only is dropped with an outbox_overflow
 * event carrying its totals (docs/mqtt.md "Delivery of session records").
 */
export const OUTBOX_RECORDS = 64
/** records sent per tick while a resend pass is under way: 64 at once do not fit the VM's heap */
export const RESEND_BATCH = 4

/** events and tap rows held while the broker is away; older ones are dropped first */
const MAX_QUEUED_EVENTS = 16
/**
 * Events waiting to be sent while connected: a flood of bad commands makes events
 * faster than the link sends them, and the VM's 64 KB heap must not fill with them.
 * Beyond this they are counted and reported in one events_dropped event.
 */
export const MAX_PENDING_EVENTS = 16
const MAX_QUEUED_TAP = 32

/** Held while offline; `keep`: a record's summary, the last one dropped from a full queue. */
interface Queued extends Publish {
    keep: boolean
}

export class StallController {
    readonly id: StallIdentity
    acct: StallAccounting
    /** boot number of the accounts' first boot: sessionId = stallId-lineage-seq */
    readonly lineage: number
    /** read only outside: unacknowledged records, oldest first */
    outbox: OutboxEntry[]
    /** read only outside: flash writes are due (handed out by due()) */
    checkpointDue = false
    outboxDue = false
    online = false
    /** samples the accounting refused since boot */
    rejectedSamples = 0

    private cfg: ControllerConfig
    private out: Publish[] = []
    private queuedEvents: Queued[] = []
    private queuedTap: Queued[] = []
    private pendingEvents = 0
    private droppedEvents = 0
    /** site clock: epochMs - t, once known */
    private epochOffset: number | null = null
    private sinceMs = 0
    private savedRevision = -1
    private lastTelemetryT = 0
    private lastResendT = 0
    /** the next record of a resend pass under way, -1 when none */
    private resendNext = -1
    /** records the flash had no room for, each told once in an outbox_full event */
    private unsaved: string[] = []
    private rolesFault = false
    private tapRows = 0

    constructor(
        id: StallIdentity,
        acct: StallAccounting,
        lineage: number,
        outbox: OutboxEntry[],
        cfg: ControllerConfig
    ) {
        this.id = id
        this.acct = acct
        this.lineage = lineage
        this.outbox = outbox
        this.cfg = cfg
    }

    /** Publishes produced since the last call. */
    take(): Publish[] {
        const o = this.out
        this.out = []
        this.pendingEvents = 0
        if (this.droppedEvents > 0 && this.online) {
            const n = this.droppedEvents
            this.droppedEvents = 0
            const detail = n + " events dropped: they came faster than the link could send them"
            o.push(this.eventPublish("events_dropped", detail, this.acct.lastT()))
        }
        return o
    }

    /** What is due now; hand it back to saved() once the flash writes are done. */
    due(): Due {
        const outbox = this.outboxDue ? this.outbox.slice(0) : null
        this.outboxDue = false
        const checkpoint = this.checkpointDue ? this.takeCheckpoint() : null
        return { outbox, checkpoint, publish: this.take() }
    }

    /** The shell wrote (or failed to write) what `d` asked for; `outbox`: null when not asked. */
    saved(d: Due, outbox: OutboxSaved | null, checkpointWritten: boolean, t: number): void {
        if (outbox) this.outboxSaved(outbox, t)
        if (d.checkpoint) {
            if (checkpointWritten) this.checkpointSaved(d.checkpoint, t)
            else this.event("storage_error", "checkpoint not written", t)
        }
    }

    private outboxSaved(o: OutboxSaved, t: number): void {
        if (!o.ok) this.event("storage_error", "outbox not written", t)
        for (let i = 0; i < o.unsaved.length; i++) {
            const e = this.entry(o.unsaved[i])
            if (!e || this.unsaved.indexOf(e.sessionId) >= 0) continue
            const why = "no room in the flash outbox: held in RAM only, lost if the stall restarts before it is acked"
            this.recordEvent("outbox_full", e, why, t)
        }
        const still: string[] = []
        for (let i = 0; i < o.unsaved.length; i++) if (this.entry(o.unsaved[i])) still.push(o.unsaved[i])
        this.unsaved = still
    }

    private entry(id: string): OutboxEntry | null {
        for (let i = 0; i < this.outbox.length; i++) if (this.outbox[i].sessionId === id) return this.outbox[i]
        return null
    }

    /** Something is waiting to be published or written. */
    hasDue(): boolean {
        return this.out.length > 0 || this.outboxDue || this.checkpointDue
    }

    sessionId(): string | null {
        const s = this.acct.session()
        return s ? this.id.stallId + "-" + this.lineage + "-" + s.seq : null
    }

    wallAt(t: number): number | null {
        return this.epochOffset === null ? null : t + this.epochOffset
    }

    /** Once at start-up, after the checkpoint was restored (or not). */
    boot(t: number, detail: string, restored: boolean): void {
        this.sinceMs = t
        if (restored) this.tapRow({ event: "reboot", t })
        this.event("boot", detail, t)
        this.checkpointDue = true
    }

    /** The meter or pilot cannot be trusted (e.g. ambiguous roles): shown in the status. */
    setRolesFault(fault: boolean, detail: string, t: number): void {
        if (fault === this.rolesFault) return
        this.rolesFault = fault
        if (fault) this.event("roles_ambiguous", detail, t)
        this.publishStatus(t)
    }

    /** One sample: integer mV and mA from the meter, null when a read failed. */
    sample(t: number, pilot: string, mV: number | null, mA: number | null): string | null {
        const err = this.acct.sample(t, pilot, mV === null ? NaN : mV / 1000, mA === null ? NaN : mA / 1000)
        if (err !== null) {
            // counted, and the first reason told: a stall that refuses its meter must say so
            if (this.rejectedSamples++ === 0) this.event("sample_rejected", err, t)
            return err
        }
        this.tapRow([t, pilot, mV, mA])
        if (this.acct.hasOutput()) this.outputs(this.acct.take(), t)
        this.noteRevision()
        return null
    }

    /** Periodic work: telemetry while a session is open, resending records. */
    tick(t: number): void {
        if (this.acct.session() && t - this.lastTelemetryT >= this.cfg.telemetryMs) this.telemetry(t)
        if (this.outbox.length > 0 && (this.resendNext >= 0 || t - this.lastResendT >= this.cfg.resendMs))
            this.resend(t)
    }

    connected(t: number): void {
        this.online = true
        this.publishStatus(t)
        for (let i = 0; i < this.queuedEvents.length; i++) this.out.push(this.queuedEvents[i])
        for (let i = 0; i < this.queuedTap.length; i++) this.out.push(this.queuedTap[i])
        this.queuedEvents = []
        this.queuedTap = []
        this.resendNext = -1
        this.resend(t)
    }

    disconnected(): void {
        this.online = false
    }

    /** An MQTT message on a subscribed topic; matched exactly. `bytes`: its size on the wire. */
    message(topic: string, payload: string, t: number, bytes = payload.length): void {
        const kind = topicKind(topic, this.id.prefix, this.id.stallId)
        if (kind === "status") {
            // our own retained status: a will published late (e.g. after a broker
            // freeze, for the old connection) must not leave a live stall "offline"
            if (this.online && payload.indexOf('"offline"') >= 0) this.publishStatus(t)
            return
        }
        if (kind === "clock") {
            const c = parseClock(payload, bytes)
            if (c.error !== null) this.reject(c.error, t)
            else this.epochOffset = c.value - t
        } else if (kind === "cmd/authorize") {
            const a = parseAuthorize(payload, bytes)
            if (a.error !== null) return this.reject(a.error, t)
            this.acct.authorize(a.value.account, a.value.freeWh)
            this.tapRow({ event: "authorize", account: a.value.account, freeWh: a.value.freeWh, t })
            const s = this.sessionId()
            this.event("authorized", a.value.account + (s ? " for " + s : " for the next session"), t)
        } else if (kind === "cmd/tariff") {
            const p = parseTariff(payload, bytes)
            if (p.error !== null) return this.reject(p.error, t)
            this.acct.setTariff(p.value)
            this.tapRow({ event: "tariff", tariff: p.value, t })
            this.event("tariff_changed", p.value.id + " for sessions from now on", t)
        } else if (kind === "cmd/sharing") {
            const p = parseSharing(payload, bytes)
            if (p.error !== null) return this.reject(p.error, t)
            this.acct.setSharing(p.value)
            this.tapRow({ event: "sharing", on: p.value, t })
        } else if (kind === "site/occupancy") {
            // retained: every (re)connect applies it again, which changes nothing
            const p = parseOccupancy(payload, bytes)
            if (p.error !== null) return this.reject(p.error, t)
            this.acct.setOccupancy(p.value)
            this.tapRow({ event: "occupancy", percent: p.value, t })
        } else if (kind === "cmd/ack") {
            const a = parseAck(payload, bytes)
            if (a.error !== null) return this.reject(a.error, t)
            const id = a.value
            const kept = this.outbox.filter((e) => e.sessionId !== id)
            if (kept.length !== this.outbox.length) {
                this.outbox = kept
                this.outboxDue = true
                // the retained status says the stall holds nothing any more
                if (kept.length === 0) this.publishStatus(t)
            }
        } else this.reject("not a topic of this stall: " + topic, t)
        this.noteRevision()
    }

    /** The accounts as they are now; hand it back to checkpointSaved once it is in flash. */
    takeCheckpoint(): TakenCheckpoint {
        return { items: this.acct.checkpoint(), revision: this.acct.revision, tapRows: this.tapRows }
    }

    /**
     * The checkpoint is in flash. The tap says how many of its rows it covers, so a
     * replay of the tap can drop the rows a later reboot loses.
     */
    checkpointSaved(cp: TakenCheckpoint, t: number): void {
        this.savedRevision = cp.revision
        this.checkpointDue = this.acct.revision !== cp.revision
        if (this.cfg.tap) this.queueable("tap", JSON.stringify({ event: "checkpoint", rows: cp.tapRows, t }), 0, true)
    }

    event(kind: EventKind, detail: string, t: number): void {
        if (this.online) {
            if (this.pendingEvents >= MAX_PENDING_EVENTS) {
                this.droppedEvents++
                return
            }
            this.pendingEvents++
        }
        const p = this.eventPublish(kind, detail, t)
        this.queueable("event", p.payload, 1, false)
    }

    private eventPublish(kind: EventKind, detail: string, t: number, record: RecordSummary | null = null): Publish {
        const payload = JSON.stringify(eventMessage(this.id, kind, detail, t, this.wallAt(t), record))
        return { topic: this.topic("event"), payload, qos: 1, retain: false }
    }

    /** An event about one record, with its totals: never held back by the pending-events bound. */
    private recordEvent(kind: EventKind, e: OutboxEntry, detail: string, t: number): void {
        let summary: RecordSummary = { sessionId: e.sessionId, energyWh: null, totalMinor: null, currency: null }
        try {
            const m = recordOfHeld(e.text)
            summary = {
                sessionId: e.sessionId,
                energyWh: m.energyWh,
                totalMinor: m.cost.totalMinor,
                currency: m.currency,
            }
        } catch (err) {
            // a held text is the controller's own: undecodable means a defect, still told
        }
        const p = this.eventPublish(kind, e.sessionId + ": " + detail, t, summary)
        this.queueable("event", p.payload, 1, false, true)
    }

    /** Sent now, or held (bounded) until the broker is back: events, or tap rows when `tap`. */
    private queueable(kind: StallTopic, payload: string, qos: number, tap: boolean, keep = false): void {
        const p: Queued = { topic: this.topic(kind), payload, qos, retain: false, keep }
        if (this.online) {
            this.out.push(p)
            return
        }
        let queue = tap ? this.queuedTap : this.queuedEvents
        if (queue.length >= (tap ? MAX_QUEUED_TAP : MAX_QUEUED_EVENTS)) {
            // the oldest that is not a record's summary goes first
            let drop = queue[0]
            for (let i = 0; i < queue.length; i++)
                if (!queue[i].keep) {
                    drop = queue[i]
                    break
                }
            // a new array: truncating one (length = 0) failed a VM assertion
            queue = queue.filter((q) => q !== drop)
            if (tap) this.queuedTap = queue
            else this.queuedEvents = queue
        }
        queue.push(p)
    }

    private noteRevision(): void {
        if (this.acct.revision !== this.savedRevision) this.checkpointDue = true
    }

    private reject(why: string, t: number): void {
        this.event("command_rejected", why, t)
    }

    private outputs(outs: Output[], t: number): void {
        let changed = false
        for (let i = 0; i < outs.length; i++) {
            const o = outs[i]
            if (o.type === "session")
                this.recordClosed(
                    sessionMessage(
                        this.id,
                        o,
                        this.id.stallId + "-" + this.lineage + "-" + o.sessionSeq,
                        this.wallAt(o.pluggedAtMs),
                        this.wallAt(o.unpluggedAtMs)
                    ),
                    t
                )
            else {
                changed = true
                this.sinceMs = o.t
                if (o.state === "faulted") this.event("fault", this.faultDetail(), t)
            }
        }
        if (changed) {
            this.publishStatus(t)
            this.telemetry(t)
        }
    }

    private faultDetail(): string {
        const r = this.acct.snapshot().faultReason
        return r === "meter" ? "meter readings invalid while charging" : "control pilot fault (E/F)"
    }

    private recordClosed(m: SessionMessage, t: number): void {
        if (this.outbox.length >= this.cfg.maxOutbox) {
            // one held in RAM only goes before one flash keeps across a restart
            let dropped = this.outbox[0]
            for (let i = 0; i < this.outbox.length; i++)
                if (this.unsaved.indexOf(this.outbox[i].sessionId) >= 0) {
                    dropped = this.outbox[i]
                    break
                }
            this.outbox = this.outbox.filter((e) => e !== dropped)
            this.unsaved = this.unsaved.filter((id) => id !== dropped.sessionId)
            this.recordEvent("outbox_overflow", dropped, "dropped unacknowledged: the outbox is full", t)
        }
        // the first send starts the resend period when nothing else is waiting
        if (this.outbox.length === 0) this.lastResendT = t
        this.outbox.push({ sessionId: m.sessionId, text: heldRecord(m) })
        this.outboxDue = true
        this.publish("session", JSON.stringify(m), 1, false)
    }

    /** The next RESEND_BATCH records of a pass over the outbox; a pass starts every resendMs. */
    private resend(t: number): void {
        if (this.resendNext < 0) {
            this.resendNext = 0
            this.lastResendT = t
        }
        const end = Math.min(this.resendNext + RESEND_BATCH, this.outbox.length)
        for (let i = this.resendNext; i < end; i++) this.resendOne(this.outbox[i])
        this.resendNext = end < this.outbox.length ? end : -1
    }

    private resendOne(e: OutboxEntry): void {
        let payload: string
        // heldRecord() read it back when it was made: a throw here is a defect, told rather than crashing the tick
        try {
            payload = JSON.stringify(recordOfHeld(e.text))
        } catch (err) {
            this.event("storage_error", e.sessionId + " cannot be read back from RAM", this.acct.lastT())
            return
        }
        this.publish("session", payload, 1, false)
    }

    private publishStatus(t: number): void {
        const snap = this.acct.snapshot()
        const state: StallState = this.rolesFault ? "faulted" : snap.state
        const reason = this.rolesFault ? "roles" : snap.faultReason
        const m = statusMessage(
            this.id,
            state,
            this.sessionId(),
            this.sinceMs,
            this.wallAt(this.sinceMs),
            reason,
            this.outbox.length
        )
        this.publish("status", JSON.stringify(m), 1, true)
    }

    private telemetry(t: number): void {
        this.lastTelemetryT = t
        const m = telemetryMessage(
            this.id,
            this.acct.snapshot(),
            this.sessionId(),
            t,
            this.wallAt(t),
            this.rejectedSamples
        )
        this.publish("telemetry", JSON.stringify(m), 0, false)
    }

    /** Rows are counted even when they cannot be sent, so a gap in the tap shows. */
    private tapRow(row: any): void {
        if (!this.cfg.tap) return
        this.tapRows++
        this.queueable("tap", JSON.stringify(row), 0, true)
    }

    /** Only while connected: status and records are sent again on connect. */
    private publish(kind: StallTopic, payload: string, qos: number, retain: boolean): void {
        if (this.online) this.out.push({ topic: this.topic(kind), payload, qos, retain })
    }

    private topic(kind: StallTopic): string {
        return stallTopic(this.id.prefix, this.id.stallId, kind)
    }
}
