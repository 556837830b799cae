import { Replay } from "../../src/core/trace/index"
import type { Trace } from "./load"

/** How many rejected rows a replay names on stderr (all are counted). */
export const REJECTIONS_SHOWN = 5

export interface Rejection {
    /** 1-based, in the trace's rows */
    row: number
    reason: string
}

/** What a replay computed: the contract's outputs, and what it ignored. */
export interface ReplayReport {
    /** status changes and session records, oldest first (one JSON line each on stdout) */
    outputs: unknown[]
    /** why the trace's tariff was not used (the default applies), else null */
    tariffError: string | null
    rejected: number
    /** the first REJECTIONS_SHOWN rejected rows */
    rejections: Rejection[]
}

/** `trace` through the billing core in Node. */
export function replayInNode(trace: Trace): ReplayReport {
    const replay = new Replay(trace)
    const report: ReplayReport = { outputs: [], tariffError: replay.tariffError, rejected: 0, rejections: [] }
    for (let i = 0; i < trace.rows.length; i++) {
        const why = replay.row(trace.rows[i])
        if (why === null) continue
        if (report.rejected++ < REJECTIONS_SHOWN) report.rejections.push({ row: i + 1, reason: why })
    }
    report.outputs = replay.take()
    return report
}

/** The contract's stdout: one JSON object per line, nothing else. */
export function outputLines(report: ReplayReport): string {
    return report.outputs.map((o) => JSON.stringify(o) + "\n").join("")
}

/** What the replay ignored, for stderr ("" when nothing). */
export function ignoredNote(report: ReplayReport, prefix: string): string {
    let s = ""
    if (report.tariffError !== null)
        s += `${prefix}: the trace's tariff was not used (${report.tariffError}); the default tariff applies\n`
    if (report.rejected > 0) {
        s += `${prefix}: ${report.rejected} row${report.rejected === 1 ? "" : "s"} rejected (ignored, they changed nothing):\n`
        for (const r of report.rejections) s += `  row ${r.row}: ${r.reason}\n`
        const more = report.rejected - report.rejections.length
        if (more > 0) s += `  and ${more} more\n`
    }
    return s
}
