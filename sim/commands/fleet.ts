// `sim fleet --stalls N --minutes M`: the fleet (sim/fleet/) from the command line, in one
// process, or with --workers spread over several (sim/fleet/shards.ts).
import {
    defineCommand,
    numberArg,
    processIo,
    runCommandLine,
    UsageError,
    type CommandIo,
    type ParsedArgs,
} from "./args"
import { brokerRefusal } from "./reach-broker"
import { loadScenario } from "./run"
import { DEFAULT_SCENARIO, MAX_STALLS, runFleet, type FleetOptions, type FleetReport } from "../fleet/fleet"
import { runShardedFleet, type PerProcess, type ShardedFleetReport } from "../fleet/shards"
import type { Stats } from "../report/percentiles"
import { stallHeaders } from "../scenario/scenario"
import { startWeb, type Web } from "../web/index"
import { WEB_OPTION, webLine, webPort } from "./web-option"

const MAX_WORKERS = 16

export const FLEET_COMMAND = defineCommand({
    name: "fleet",
    summary: "load-test the MQTT contract: N stalls (the real core, no VM) and one backend through one broker",
    positionals: [],
    options: {
        stalls: { value: "N", required: true, description: `how many stalls, 1 to ${MAX_STALLS.toLocaleString("en")}` },
        minutes: { value: "M", required: true, description: "simulated minutes to run, 0.1 to 525600 (a year)" },
        speed: { value: "S", description: "simulated minutes per real minute", default: "60" },
        broker: {
            value: "URL",
            description: "an MQTT broker already running (mqtt://, mqtts://, tcp://, tls://, ws:// or wss://)",
            default: "an embedded aedes on a free port",
        },
        scenario: {
            value: "FILE.json",
            description: "the visits each stall replays, from a random phase",
            default: "sim/scenarios/busy-day.json",
        },
        json: { description: "print the report as one JSON object" },
        db: {
            value: "URL",
            description:
                "run the site backend (sim backend) into this database, sqlite:FILE or postgres://…: it stores and acks the records",
            default: "an in-memory consumer acks",
        },
        seed: { value: "N", description: "seed of the phases and variations, 0 to 4294967295", default: "1" },
        workers: {
            value: "W",
            description: `spread the stalls over W processes (1 to ${MAX_WORKERS}, at most ${MAX_STALLS.toLocaleString("en")} stalls each) on mosquitto, with the site backend in its own process; needs --db`,
            default: "one process",
        },
        web: WEB_OPTION,
    },
    notes: [
        "The report goes to stdout, progress to stderr. Exit 0 when no record was lost and every message matched its schema.",
    ],
    examples: [
        "npm run --silent sim -- fleet --stalls 100 --minutes 30",
        "npm run --silent sim -- fleet --stalls 1000 --minutes 60 --speed 120 --broker mqtt://127.0.0.1:1883 --json",
        "npm run --silent sim -- fleet --stalls 30000 --minutes 60 --speed 6 --workers 4 --db postgres://postgres@127.0.0.1:5432/site",
        "npm run --silent sim -- fleet --stalls 1000 --minutes 30 --web",
    ],
})

function fleetArgs({
    values: v,
}: ParsedArgs<typeof FLEET_COMMAND>): FleetOptions & { json: boolean; workers?: number; web?: number } {
    if (v.broker !== undefined && !/^(mqtts?|tcp|tls|wss?):\/\/[^/]+/.test(v.broker))
        throw new UsageError(`--broker must be a URL like mqtt://host:1883, got "${v.broker}"`)
    const workers = numberArg("workers", v.workers, 1, MAX_WORKERS)
    if (workers !== undefined && v.db === undefined)
        throw new UsageError("--workers needs --db: the site backend, in its own process, acks the records")
    if (workers !== undefined && v.broker !== undefined)
        throw new UsageError("--workers starts its own mosquitto (as many as this machine needs): leave out --broker")
    if (workers !== undefined && v.web !== undefined)
        throw new UsageError("--web shows a fleet in one process: leave out --workers")
    const scenarioPath = v.scenario
    if (scenarioPath !== undefined) loadScenario(scenarioPath) // its InputError before any connection
    return {
        workers,
        stalls: numberArg("stalls", v.stalls, 1, MAX_STALLS * (workers ?? 1))!,
        minutes: numberArg("minutes", v.minutes, 0.1, 525_600, true)!,
        speed: numberArg("speed", v.speed, 0.1, 1_000_000, true),
        brokerUrl: v.broker,
        scenarioPath,
        seed: numberArg("seed", v.seed, 0, 0xffffffff),
        json: v.json ?? false,
        dbUrl: dbArg(v.db),
        web: webPort(v.web),
    }
}

function dbArg(db: string | undefined): string | undefined {
    if (db !== undefined && !/^sqlite:.+|^postgres(ql)?:\/\/.+/.test(db))
        throw new UsageError(`--db must be sqlite:FILE or postgres://…, got "${db}"`)
    return db
}

const fmt = (n: number | null) => (n === null ? "-" : n.toLocaleString("en"))

export function formatReport(r: FleetReport): string {
    const kinds = Object.entries(r.messages.byKind).map(
        ([k, c]) =>
            `    ${k.padEnd(17)}${fmt(c.count).padStart(12)} msgs ${fmt(Math.round(c.bytes / 1000)).padStart(10)} kB`
    )
    const lat = (name: string, s: Stats) =>
        `    ${name.padEnd(17)}${[s.p50, s.p95, s.p99, s.max].map((x) => fmt(x).padStart(9)).join("")}${fmt(s.count).padStart(10)}`
    const rec = r.records
    const verdict = r.ok
        ? "OK"
        : `FAILED: ${rec.lost} record(s) lost, ${r.schema.errors} schema error(s)` +
          (r.db && r.db.rows !== r.sessionsClosed ? `, ${r.db.rows} rows for ${r.sessionsClosed} records` : "")
    return [
        `Fleet of ${fmt(r.stalls)} stalls on ${r.broker}, ${r.scenario.split("/").pop()}, seed ${r.seed}`,
        `  simulated          ${fmt(r.simulatedMinutes)} min at x${r.speed} in ${r.realSeconds} s real (+${r.drainSeconds} s drain; warm-up and connecting took ${r.connectSeconds} s)`,
        `  messages received  ${fmt(r.messages.received)} (${fmt(r.messages.perSecond)}/s while feeding)`,
        ...kinds,
        `  published          ${fmt(r.published.messages)} messages, ${fmt(r.published.bytes)} payload bytes`,
        `  bytes per session  ${fmt(r.bytesPerSession)} (${fmt(r.sessionsClosed)} sessions closed)`,
        `  records            published ${fmt(rec.published)}, received ${fmt(rec.received)}, lost ${fmt(rec.lost)}, duplicates ${fmt(rec.duplicates)}, unacked ${fmt(rec.unacked)}`,
        ...(r.db
            ? [
                  `  database           ${r.db.url}: ${fmt(r.db.rows)} rows; stored ${fmt(r.db.stored)}, duplicates ${fmt(r.db.duplicates)}, rejected ${fmt(r.db.rejected)}, acked ${fmt(r.db.acked)}, failed ${fmt(r.db.failed)}`,
              ]
            : []),
        `  latency (ms)       ${["p50", "p95", "p99", "max"].map((h) => h.padStart(9)).join("")}${"count".padStart(10)}`,
        lat("records", r.latencyMs.records),
        ...(r.db ? [lat("ack after commit", r.db.ackLatencyMs)] : []),
        lat("status", r.latencyMs.status),
        lat("feed (all stalls)", r.feedMs),
        ...(r.occupancy
            ? [
                  `  site occupancy     ${fmt(r.occupancy.publishes)} published (retained), last ${r.occupancy.percent === null ? "-" : `${r.occupancy.percent} %`}`,
              ]
            : []),
        `  schema errors      ${fmt(r.schema.errors)} of ${fmt(r.schema.checked)} checked${r.schema.firstError ? ` (first: ${r.schema.firstError})` : ""}`,
        `  connection fails   ${fmt(r.connectionFailures)} (stalls offline at the end: ${fmt(r.stallsOffline)})`,
        `  result             ${verdict}`,
    ].join("\n")
}

export function fleetCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
    return runCommandLine(FLEET_COMMAND, argv, io, async (parsed) => {
        const { json, workers, web: webAt, ...options } = fleetArgs(parsed)
        if (workers !== undefined) {
            const r = await runShardedFleet({
                ...options,
                speed: options.speed ?? 60,
                dbUrl: options.dbUrl!,
                workers,
                progress: io.stderr,
            })
            io.stdout.write(json ? JSON.stringify(r) + "\n" : formatShardedReport(r) + "\n")
            return r.ok ? 0 : 1
        }
        const unreachable = options.brokerUrl ? await brokerRefusal(options.brokerUrl) : null
        if (unreachable) {
            io.stderr.write(`sim fleet: ${unreachable}\n`)
            return 1
        }
        let web: Web | undefined
        if (webAt !== undefined) {
            web = await startWeb({
                port: webAt,
                title: `sim fleet · ${options.stalls.toLocaleString("en")} stalls`,
                prefix: "stalls",
                tariff: stallHeaders(loadScenario(options.scenarioPath ?? DEFAULT_SCENARIO))[0].header.tariff,
                storing: options.dbUrl !== undefined,
            })
            io.stdout.write(webLine(web.url) + "\n")
        }
        let verdict = "stopped by an error"
        try {
            const report = await runFleet({
                ...options,
                progress: io.stderr,
                onBroker: web
                    ? async (url, site) => {
                          await web!.attach(url)
                          site?.onStored((sessionId) => web!.stored(sessionId))
                      }
                    : undefined,
            })
            verdict = report.ok ? "OK" : "FAILED"
            io.stdout.write(json ? JSON.stringify(report) + "\n" : formatReport(report) + "\n")
            return report.ok ? 0 : 1
        } finally {
            await web?.stop(`sim fleet has ended: ${verdict}`)
        }
    })
}

export function formatShardedReport(r: ShardedFleetReport): string {
    const rec = r.records
    const perProcess = (name: string, p: PerProcess) =>
        `  ${name.padEnd(19)}shards ${p.shards.map(fmt).join(" / ")}; backend ${fmt(p.backend)}; ` +
        `mosquitto ${p.brokers.map(fmt).join(" / ")}; database ${fmt(p.database)}`
    const verdict = r.ok
        ? "OK"
        : `FAILED: ${fmt(rec.lost)} lost, ${fmt(rec.unacked)} unacked, ${fmt(rec.rejected)} rejected, ` +
          `${fmt(rec.failed)} failed, ${fmt(r.schemaErrors)} schema errors`
    return [
        `Fleet of ${fmt(r.stalls)} stalls in ${r.workers} processes, ${r.simulatedMinutes} simulated min at x${r.speed}`,
        ...r.brokers.map(
            (b) =>
                `  mosquitto          ${b.url}: ${fmt(b.stalls)} stalls${b.bridgedTo ? `, bridged into ${b.bridgedTo}` : ", the backend's"}`
        ),
        `  connecting         ${r.connectSeconds} s (the slowest shard); feeding ${r.realSeconds} s; drain ${r.drainSeconds} s`,
        `  messages           ${fmt(r.messages.published)} published, ${fmt(r.messages.received)} received by the shards (${fmt(r.messages.perSecond)}/s while feeding)`,
        `  records            published ${fmt(rec.published)}, stored ${fmt(rec.stored)} (${fmt(rec.rows)} rows now), acked ${fmt(rec.acked)}, duplicates ${fmt(rec.duplicates)}, lost ${fmt(rec.lost)}, unacked ${fmt(rec.unacked)}`,
        `  ack after commit   p50 ${fmt(r.ackLatencyMs.p50)} ms, p99 ${fmt(r.ackLatencyMs.p99)} ms, max ${fmt(r.ackLatencyMs.max)} ms`,
        `  record delivery    p50 ${fmt(r.recordLatencyMs.p50)} ms, p99 ${fmt(r.recordLatencyMs.p99)} ms (the worst shard's)`,
        perProcess("peak memory (MB)", r.memoryMb),
        perProcess("CPU time (s)", r.cpuSeconds),
        `  connection fails   ${fmt(r.connectionFailures)}`,
        `  result             ${verdict}`,
    ].join("\n")
}
