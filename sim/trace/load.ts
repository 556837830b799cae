import { readJsonFile } from "../commands/json-file"

/** A `stall-trace/1` file as read (SEMANTICS "stall-trace/1"). */
export interface Trace {
    format: "stall-trace/1"
    tariff?: unknown
    config?: unknown
    rows: unknown[]
}

/** Reads and checks a trace file; throws an Error with a one-line message. */
export function loadTrace(path: string): Trace {
    const trace = readJsonFile(path) as any
    if (trace === null || typeof trace !== "object" || trace.format !== "stall-trace/1")
        throw new Error(`${path}: format must be "stall-trace/1"`)
    if (!Array.isArray(trace.rows)) throw new Error(`${path}: rows must be an array`)
    return trace as Trace
}
