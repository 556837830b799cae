// `sim run SCENARIO`: scenario -> trace(s) -> the billing core -> a summary.
// Rows stream from the scenario generator into one Replay per stall, so a
// stall-year runs in constant memory unless a chart needs the rows.

import { numberArg, parseCommandArgs, UsageError } from "./args"
import { readJsonFile } from "./json-file"
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs"
import { Replay, type Output, type SessionRecord } from "../../src/core/trace/replay"
import { renderChart } from "../report/chart"
import { createProgress, type Writer } from "../report/progress"
import {
    expectedSamples,
    parseScenario,
    runDays,
    scenarioRows,
    stallHeaders,
    type Row,
    type Scenario,
    type TraceHeader,
} from "../scenario/scenario"
import { formatStall, summarizeStall } from "../report/summary"

export interface RunIo {
    stdout: Writer
    stderr: Writer
}

const USAGE = "usage: sim run SCENARIO.json [--json] [--chart FILE.svg] [--trace-out FILE.json] [--seed N] [--days N]"
/** runs shorter than this finish before a progress bar would be worth drawing */
const PROGRESS_MIN_SAMPLES = 500_000
/** a chart keeps every row in memory */
const CHART_MAX_DAYS = 7
/** how often outputs are collected and progress redrawn */
const COLLECT_EVERY_ROWS = 65_536

interface RunArgs {
    scenarioPath: string
    json: boolean
    chartPath?: string
    traceOutPath?: string
    seed: number
    days?: number
}

function parseRunArgs(argv: string[]): RunArgs {
    const parsed = parseCommandArgs(argv, {
        json: { type: "boolean" },
        chart: { type: "string" },
        "trace-out": { type: "string" },
        seed: { type: "string" },
        days: { type: "string" },
    })
    const { values, positionals } = parsed
    if (positionals.length !== 1) throw new UsageError(USAGE)
    return {
        scenarioPath: positionals[0],
        json: values.json ?? false,
        chartPath: values.chart,
        traceOutPath: values["trace-out"],
        seed: numberArg("seed", values.seed, 0, 0xffffffff) ?? 1,
        days: numberArg("days", values.days, 1, 3660),
    }
}

export function loadScenario(path: string): Scenario {
    let json: unknown
    try {
        json = readJsonFile(path)
    } catch (e) {
        throw new UsageError((e as Error).message)
    }
    try {
        return parseScenario(json)
    } catch (e) {
        throw new UsageError(`${path}: ${(e as Error).message}`)
    }
}

/** FILE.ext for one stall, FILE-<stallId>.ext for each of a pair. */
function perStallPath(path: string, stallId: string, stallCount: number): string {
    if (stallCount === 1) return path
    const dot = path.lastIndexOf(".")
    return dot > path.lastIndexOf("/") ? `${path.slice(0, dot)}-${stallId}${path.slice(dot)}` : `${path}-${stallId}`
}

/** Streams a trace to disk, one row per line, without holding it. */
class TraceWriter {
    private readonly fd: number
    private buffer: string[] = []
    private bufferedChars = 0
    private first = true

    constructor(path: string, header: TraceHeader) {
        this.fd = openSync(path, "w")
        const head = JSON.stringify(header)
        writeSync(this.fd, `${head.slice(0, -1)},"rows":[\n`)
    }

    write(row: Row): void {
        const line = (this.first ? "" : ",\n") + JSON.stringify(row)
        this.first = false
        this.buffer.push(line)
        this.bufferedChars += line.length
        if (this.bufferedChars > 1 << 20) this.flush()
    }

    close(): void {
        this.buffer.push("\n]}\n")
        this.flush()
        closeSync(this.fd)
    }

    private flush(): void {
        writeSync(this.fd, this.buffer.join(""))
        this.buffer = []
        this.bufferedChars = 0
    }
}

export async function runCommand(
    argv: string[],
    io: RunIo = { stdout: process.stdout, stderr: process.stderr }
): Promise<number> {
    try {
        return run(parseRunArgs(argv), io)
    } catch (e) {
        if (!(e instanceof UsageError)) throw e
        io.stderr.write(`sim run: ${e.message}\n`)
        return 2
    }
}

function run(args: RunArgs, io: RunIo): number {
    const sc = loadScenario(args.scenarioPath)
    const opts = { seed: args.seed, days: args.days }
    const days = runDays(sc, opts)
    if (args.chartPath && days > CHART_MAX_DAYS)
        throw new UsageError(`--chart draws at most ${CHART_MAX_DAYS} days, not ${days}`)
    const stalls = stallHeaders(sc).map(({ stallId, header }, _, all) => ({
        stallId,
        header,
        replay: new Replay(header),
        sessions: [] as SessionRecord[],
        outputs: [] as Output[],
        rows: [] as Row[],
        writer: args.traceOutPath
            ? new TraceWriter(perStallPath(args.traceOutPath, stallId, all.length), header)
            : undefined,
    }))
    const keepForChart = args.chartPath !== undefined
    const collect = () => {
        for (const s of stalls)
            for (const o of s.replay.take()) {
                if (o.type === "session") s.sessions.push(o)
                if (keepForChart) s.outputs.push(o)
            }
    }

    const expected = (expectedSamples(sc, opts) ?? 0) * stalls.length
    const progress =
        expected >= PROGRESS_MIN_SAMPLES
            ? createProgress(expected, `simulating ${days} day${days > 1 ? "s" : ""}`, io.stderr)
            : undefined
    const startMs = performance.now()
    let samples = 0
    let rowCount = 0
    for (const { stall, row } of scenarioRows(sc, opts)) {
        const s = stalls[stall]
        s.replay.row(row)
        s.writer?.write(row)
        if (keepForChart) s.rows.push(row)
        if (Array.isArray(row)) samples++
        if (++rowCount % COLLECT_EVERY_ROWS === 0) {
            collect()
            progress?.update(samples)
        }
    }
    collect()
    progress?.finish()
    const wallMs = performance.now() - startMs
    for (const s of stalls) s.writer?.close()

    if (args.chartPath)
        for (const s of stalls)
            writeFileSync(
                perStallPath(args.chartPath, s.stallId, stalls.length),
                renderChart({ ...s.header, rows: s.rows }, s.outputs, {
                    title: `Stall ${s.stallId} · ${s.header.tariff.id} · ${args.scenarioPath.split("/").pop()}`,
                })
            )

    const summaries = stalls.map((s) => summarizeStall(s.stallId, s.sessions))
    const throughput = { samples, wallMs: Math.round(wallMs), samplesPerS: Math.round(samples / (wallMs / 1000)) }
    if (args.json) {
        const out = {
            scenario: args.scenarioPath,
            seed: args.seed,
            days,
            stalls: summaries,
            ...(days > 1 ? { throughput } : {}),
        }
        io.stdout.write(JSON.stringify(out) + "\n")
    } else {
        if (sc.description) io.stdout.write(`${sc.description}\n\n`)
        io.stdout.write(
            summaries.map((s, i) => formatStall(s, { periodMs: stalls[i].header.tariff.periodMs })).join("\n\n") + "\n"
        )
    }
    if (days > 1)
        io.stderr.write(
            `simulated ${days} days at ${stalls.length} stall${stalls.length > 1 ? "s" : ""}: ${samples.toLocaleString("en")} samples in ${(wallMs / 1000).toFixed(1)} s (${(throughput.samplesPerS / 1e6).toFixed(2)} M samples/s)\n`
        )
    return 0
}
