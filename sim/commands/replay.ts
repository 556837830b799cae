import { replayTrace } from "../../src/core/trace/replay"
import { readJsonFile } from "./json-file"

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

/** `sim replay TRACE.json`: one JSON object per line on stdout, nothing else. */
export function replayCommand(args: string[]): number {
    if (args.length !== 1) {
        process.stderr.write("usage: sim replay TRACE.json\n")
        return 2
    }
    let trace: Trace
    try {
        trace = loadTrace(args[0])
    } catch (e) {
        process.stderr.write(`sim replay: ${(e as Error).message}\n`)
        return 1
    }
    const lines = replayTrace(trace).map((o) => JSON.stringify(o))
    process.stdout.write(lines.length ? lines.join("\n") + "\n" : "")
    return 0
}
