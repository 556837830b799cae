// `sim run SCENARIO`: scenario -> trace(s) -> the billing core -> a summary.
// Rows stream from the scenario generator into one Replay per stall, so a
// stall-year runs in constant memory unless a chart needs the rows.

import {
    defineCommand,
    InputError,
    numberArg,
    processIo,
    runCommandLine,
    UsageError,
    type CommandIo,
    type ParsedArgs,
} from "./args"
import { readJsonFile } from "./json-file"
import { closeSync, openSync, writeFileSync, writeSync } from "node:fs"
import { Replay, type Output, type SessionRecord } from "../../src/core/trace/index"
import { renderChart } from "../report/chart"
import { createProgress } from "../report/progress"
import {
    expectedSamples,
    parseScenario,
    playScenario,
    runDays,
    stallHeaders,
    type EventRow,
    type Pilot,
    type Row,
    type RowSink,
    type Scenario,
    type TraceHeader,
} from "../scenario/scenario"
import { formatStall, summarizeStall } from "../report/summary"

export type RunIo = CommandIo

/** runs shorter than this finish before a progress bar would be worth drawing */
const PROGRESS_MIN_SAMPLES = 500_000
/** a chart keeps every row in memory */
const CHART_MAX_DAYS = 7
const DAYS_MAX = 3660
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

export const RUN_COMMAND = defineCommand({
    name: "run",
    summary: "simulate a scenario through the billing core and summarise each stall's sessions",
    positionals: [
        { name: "SCENARIO.json", description: "the cars visiting the stall(s): one of sim/scenarios/*.json" },
    ],
    options: {
        json: { description: "print one JSON object (the sessions and totals of each stall) instead of the summary" },
        chart: {
            value: "FILE.svg",
            description: `draw each stall's power, tiers, idle time and grace (and power sharing, and the site occupancy while idle) as SVG (at most ${CHART_MAX_DAYS} days); a scenario with a pair of stalls writes one file per stall, FILE-<stall>.svg`,
        },
        "trace-out": {
            value: "FILE.json",
            description:
                "write the stall-trace/1 trace the core replayed (for sim replay); FILE-<stall>.json for each of a pair",
        },
        seed: { value: "N", description: "seed of the scenario's random variations, 0 to 4294967295", default: "1" },
        days: {
            value: "N",
            description: `simulate N days, 1 to ${DAYS_MAX}, each day the scenario's visits`,
            default: "the scenario's days, else 1",
        },
    },
    notes: [
        "The summary goes to stdout, progress and the files written to stderr: with --json, stdout is only the JSON.",
    ],
    examples: [
        "npm run --silent sim -- run sim/scenarios/idle-hog.json",
        "npm run --silent sim -- run sim/scenarios/paired-stalls.json --chart paired.svg",
        "npm run --silent sim -- run sim/scenarios/idle-occupancy.json --chart idle.svg",
        "npm run --silent sim -- run sim/scenarios/busy-day.json --days 365 --json",
    ],
})

function runArgs({ values, positionals }: ParsedArgs<typeof RUN_COMMAND>): RunArgs {
    return {
        scenarioPath: positionals[0],
        json: values.json ?? false,
        chartPath: values.chart,
        traceOutPath: values["trace-out"],
        seed: numberArg("seed", values.seed, 0, 0xffffffff) ?? 1,
        days: numberArg("days", values.days, 1, DAYS_MAX),
    }
}

export function loadScenario(path: string): Scenario {
    let json: unknown
    try {
        json = readJsonFile(path)
    } catch (e) {
        throw new InputError((e as Error).message)
    }
    try {
        return parseScenario(json)
    } catch (e) {
        throw new InputError(`${path}: ${(e as Error).message}`)
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
        this.line(JSON.stringify(row))
    }

    /** The same text as write([t, pilot, volts, amps]): numbers and null print as JSON does, a pilot is one letter. */
    sample(t: number, pilot: Pilot, volts: number | null, amps: number | null): void {
        this.line(`[${t},"${pilot}",${volts},${amps}]`)
    }

    close(): void {
        this.buffer.push("\n]}\n")
        this.flush()
        closeSync(this.fd)
    }

    private line(json: string): void {
        const line = (this.first ? "" : ",\n") + json
        this.first = false
        this.buffer.push(line)
        this.bufferedChars += line.length
        if (this.bufferedChars > 1 << 20) this.flush()
    }

    private flush(): void {
        writeSync(this.fd, this.buffer.join(""))
        this.buffer = []
        this.bufferedChars = 0
    }
}

interface StallRun {
    replay: Replay
    writer?: TraceWriter
    /** every row, only for a chart */
    rows: Row[]
}

/** The scenario's rows into each stall's replay (and its trace file and chart rows), with a count of samples. */
class RunSink implements RowSink {
    samples = 0
    private rows = 0

    constructor(
        private readonly stalls: StallRun[],
        private readonly keepRows: boolean,
        /** called every COLLECT_EVERY_ROWS rows */
        private readonly tick: (samples: number) => void
    ) {}

    sample(stall: number, t: number, pilot: Pilot, volts: number | null, amps: number | null): void {
        const s = this.stalls[stall]
        s.replay.sample(t, pilot, volts, amps)
        s.writer?.sample(t, pilot, volts, amps)
        if (this.keepRows) s.rows.push([t, pilot, volts, amps])
        this.samples++
        this.counted()
    }

    event(stall: number, row: EventRow): void {
        const s = this.stalls[stall]
        s.replay.row(row)
        s.writer?.write(row)
        if (this.keepRows) s.rows.push(row)
        this.counted()
    }

    private counted(): void {
        if (++this.rows % COLLECT_EVERY_ROWS === 0) this.tick(this.samples)
    }
}

export function runCommand(argv: string[], io: RunIo = processIo()): Promise<number> {
    return runCommandLine(RUN_COMMAND, argv, io, (parsed) => run(runArgs(parsed), io))
}

/** One stderr line per file written: stdout may be machine output. */
function announce(io: RunIo, path: string, what: string, stallId: string, stallCount: number): void {
    const pair = stallCount > 1 ? `, one file per stall of the ${stallCount}` : ""
    io.stderr.write(`wrote ${path} (${what} of stall ${stallId}${pair})\n`)
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
    const sink = new RunSink(stalls, keepForChart, (samples) => {
        collect()
        progress?.update(samples)
    })
    playScenario(sc, opts, sink)
    const samples = sink.samples
    collect()
    progress?.finish()
    const wallMs = performance.now() - startMs
    for (const s of stalls) s.writer?.close()
    if (args.traceOutPath)
        for (const s of stalls)
            announce(io, perStallPath(args.traceOutPath, s.stallId, stalls.length), "trace", s.stallId, stalls.length)

    if (args.chartPath)
        for (const s of stalls) {
            const path = perStallPath(args.chartPath, s.stallId, stalls.length)
            writeFileSync(
                path,
                renderChart({ ...s.header, rows: s.rows }, s.outputs, {
                    title: `Stall ${s.stallId} · ${s.header.tariff.id} · ${args.scenarioPath.split("/").pop()}`,
                })
            )
            announce(io, path, "chart", s.stallId, stalls.length)
        }

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
            summaries
                .map((s, i) =>
                    formatStall(s, { periodMs: stalls[i].header.tariff.periodMs, tariff: stalls[i].header.tariff })
                )
                .join("\n\n") + "\n"
        )
    }
    if (days > 1)
        io.stderr.write(
            `simulated ${days} days at ${stalls.length} stall${stalls.length > 1 ? "s" : ""}: ${samples.toLocaleString("en")} samples in ${(wallMs / 1000).toFixed(1)} s (${(throughput.samplesPerS / 1e6).toFixed(2)} M samples/s)\n`
        )
    return 0
}
