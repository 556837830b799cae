// Checks a live stall's MQTT traffic: every message against its schema, and every
// session record against a replay of the samples the firmware consumed (its tap).
import { outputsDiff } from "../../src/core/trace/index"
import { StallConfig } from "../../src/core/billing/index"
import { replayTrace, SessionRecord } from "../../src/core/trace/index"
import { Tariff } from "../../src/core/billing/index"
import { kindOfTopic, validateText } from "../mqtt/schemas"
import type { Received } from "./collector"

/** the firmware's own liveness probe: payload "1", not part of the contract's messages */
const ECHO = "echo"

export interface RecordCheck {
    sessionId: string
    /** false when tap rows were lost (the broker was away): no replay to compare with */
    verifiable: boolean
    /** null when the record equals the replay (SEMANTICS comparison), else the difference */
    diff: string | null
}

export interface CheckReport {
    messages: number
    bytes: number
    byKind: Record<string, { count: number; bytes: number }>
    schemaErrors: string[]
    records: RecordCheck[]
    /** tap rows in the order the core consumed them, cut at reboots as the firmware was */
    traceRows: unknown[]
}

function milli(x: number | null): number | null {
    return x === null ? null : x / 1000
}

/**
 * One possible history of what the core consumed. A reboot restarts the firmware
 * from its last durable checkpoint: normally the last one the tap reported, but the
 * simulator's flash image reaches disk on its own schedule, so an earlier one is
 * possible after a kill. Each option is followed until a record tells them apart.
 */
interface History {
    rows: unknown[]
    /** index in `rows` where the current boot's rows begin (tap counts restart per boot) */
    bootStart: number
    /** cut points the firmware reported (checkpoint markers), oldest first */
    cuts: number[]
}

/** earlier checkpoints considered at a reboot, and histories kept at most */
const CUTS_TRIED = 3
const MAX_HISTORIES = 27

export class LiveChecker {
    private histories: History[] = [{ rows: [], bootStart: 0, cuts: [0] }]
    /** rows were lost (the broker was away): records cannot be replayed */
    private tapGap = false
    private seenRecords = new Set<string>()
    readonly report: CheckReport = { messages: 0, bytes: 0, byKind: {}, schemaErrors: [], records: [], traceRows: [] }

    constructor(
        private readonly prefix: string,
        private readonly stallId: string,
        /** the firmware's tariff and SEMANTICS config at its first boot */
        private readonly header: { tariff: Tariff; config: StallConfig }
    ) {}

    /** Feed every message the collector received, in order. */
    add(m: Received): void {
        const kind = kindOfTopic(m.topic, this.prefix, this.stallId)
        if (!kind) return // another stall's traffic
        const bytes = Buffer.byteLength(m.payload)
        this.report.messages++
        this.report.bytes += bytes
        const k = (this.report.byKind[kind] ??= { count: 0, bytes: 0 })
        k.count++
        k.bytes += bytes
        if (kind === ECHO) return
        const err = validateText(kind, m.payload)
        if (err) this.report.schemaErrors.push(`${m.topic}: ${err}`)
        else if (kind === "tap") this.tapRow(m.json)
        else if (kind === "session") this.checkRecord(m.json as SessionRecord & { sessionId: string })
    }

    private tapRow(row: any): void {
        if (!Array.isArray(row) && row.event === "checkpoint") {
            for (const h of this.histories) {
                // rows consumed while the checkpoint was being written may come before
                // its marker; fewer rows than it covers means some were lost
                if (h.rows.length < h.bootStart + row.rows) this.tapGap = true
                h.cuts.push(h.bootStart + row.rows)
            }
            return
        }
        // the tap carries the meter's integers (mV, mA); a trace carries volts and amps,
        // divided exactly as the firmware divides them
        if (Array.isArray(row)) row = [row[0], row[1], milli(row[2]), milli(row[3])]
        if (!Array.isArray(row) && row.event === "reboot") this.histories = this.rebooted(row)
        else for (const h of this.histories) h.rows.push(row)
    }

    private rebooted(row: unknown): History[] {
        const next: History[] = []
        for (const h of this.histories)
            for (const cut of h.cuts.slice(-CUTS_TRIED).reverse()) {
                const rows = h.rows.slice(0, cut)
                next.push({ rows: [...rows, row], bootStart: rows.length, cuts: h.cuts.filter((c) => c <= cut) })
            }
        return next.slice(0, MAX_HISTORIES)
    }

    private checkRecord(rec: SessionRecord & { sessionId: string }): void {
        if (this.seenRecords.has(rec.sessionId)) return // a resend: checked already
        this.seenRecords.add(rec.sessionId)
        const { stallId, sessionId, fw, pluggedAt, unpluggedAt, ...semantics } = rec as any
        if (this.tapGap) return void this.report.records.push({ sessionId, verifiable: false, diff: null })
        let firstDiff: string | null = null
        for (const h of this.histories) {
            const replayed = replayTrace({ ...this.header, rows: h.rows }).filter(
                (o) => o.type === "session" && o.sessionSeq === rec.sessionSeq
            )
            const diff =
                replayed.length === 0
                    ? "no record for this session in the replay of the tap"
                    : outputsDiff([replayed[replayed.length - 1]], [semantics])
            if (diff === null) {
                // this history is what happened: drop the others
                this.histories = [h]
                this.report.traceRows = h.rows.slice()
                return void this.report.records.push({ sessionId, verifiable: true, diff: null })
            }
            firstDiff ??= diff
        }
        this.report.traceRows = this.histories[0].rows.slice()
        this.report.records.push({ sessionId, verifiable: true, diff: firstDiff })
    }
}
