// Checks a live stall's MQTT traffic: every message against its schema, and every
// session record against a replay of the samples the firmware consumed (its tap).
import { outputsDiff } from "../../src/core/compare"
import { StallConfig } from "../../src/core/config"
import { replayTrace, SessionRecord } from "../../src/core/replay"
import { Tariff } from "../../src/core/tariff"
import { kindOfTopic, validateText } from "../schemas"
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

export class LiveChecker {
    private rows: unknown[] = []
    /** tap rows received, and rows the firmware says it emitted (checkpoint markers) */
    private rowsReceived = 0
    private tapGap = false
    /** rows covered by the last checkpoint the firmware saved, per the tap */
    private checkpointRows = 0
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
        const root = this.prefix + "/" + this.stallId + "/"
        const kind = m.topic === root + ECHO ? ECHO : kindOfTopic(m.topic, this.prefix, this.stallId)
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
        // the tap carries the meter's integers (mV, mA); a trace carries volts and amps,
        // divided exactly as the firmware divides them
        if (Array.isArray(row)) row = [row[0], row[1], milli(row[2]), milli(row[3])]
        else if (row.event === "checkpoint") {
            if (row.rows !== this.rowsReceived) this.tapGap = true
            this.checkpointRows = row.rows
            return
        }
        // the firmware restarts from its last checkpoint: what came after it is lost;
        // its row count restarts there too
        if (!Array.isArray(row) && row.event === "reboot") {
            this.rows = this.rows.slice(0, this.checkpointRows)
            this.rowsReceived = this.checkpointRows
        }
        this.rows.push(row)
        this.rowsReceived++
    }

    private checkRecord(rec: SessionRecord & { sessionId: string }): void {
        if (this.seenRecords.has(rec.sessionId)) return // a resend: checked already
        this.seenRecords.add(rec.sessionId)
        this.report.traceRows = this.rows.slice()
        const replayed = replayTrace({ ...this.header, rows: this.rows }).filter(
            (o) => o.type === "session" && o.sessionSeq === rec.sessionSeq
        )
        const { stallId, sessionId, fw, pluggedAt, unpluggedAt, ...semantics } = rec as any
        if (this.tapGap) return void this.report.records.push({ sessionId, verifiable: false, diff: null })
        const diff =
            replayed.length === 0
                ? "no record for this session in the replay of the tap"
                : outputsDiff([replayed[replayed.length - 1]], [semantics])
        this.report.records.push({ sessionId, verifiable: true, diff })
    }
}
