// A fleet too big for one process: the stalls split over worker processes (shard-worker.ts,
// each a `runFleet` shard with its own MQTT clients), mosquitto, and the site backend
// (`sim backend`) in its own process storing every record into the database and acking it.
// One mosquitto process takes as many connections as its file descriptors and the
// loopback's ephemeral ports allow; past that the stalls spread over more mosquittos,
// each bridged into the first, so every record still reaches the backend through one
// broker and every ack comes back the same way.
import { fork, type ChildProcess } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { stallTopic } from "../../src/core/stall/index"
import { openDb } from "../backend/db"
import { migrate } from "../backend/schema"
import type { BackendHealth } from "../backend/backend"
import { startMosquitto, type Broker } from "../live/broker"
import { freePort } from "../live/ports"
import { cpuSeconds, peakRssKb, pollUntil, ROOT, spawnTracked, treeSum, type Child } from "../live/process"
import type { Writer } from "../report/progress"
import type { FleetReport } from "./fleet"

export interface ShardedFleetOptions {
    stalls: number
    minutes: number
    /** simulated minutes per real minute */
    speed: number
    /** worker processes the stalls are spread over */
    workers: number
    /** the site backend's database, sqlite:FILE or postgres://… */
    dbUrl: string
    /** mosquitto processes; by default as few as this machine's limits allow (connectionCapacity) */
    brokers?: number
    scenarioPath?: string
    seed?: number
    /** the database server's process, for its memory (the bench's own cluster) */
    dbPid?: number
    progress?: Writer
    /** how long each shard waits for its last records and acks */
    drainMs?: number
}

export interface ShardedFleetReport {
    stalls: number
    workers: number
    simulatedMinutes: number
    speed: number
    brokers: { url: string; stalls: number; bridgedTo: string | null; peakRssMb: number | null }[]
    /** the slowest shard's warm-up and connection of its stalls */
    connectSeconds: number
    /** the longest shard's feeding */
    realSeconds: number
    drainSeconds: number
    /** what the shards' consumers received, summed; per second while feeding */
    messages: { received: number; perSecond: number; published: number }
    /**
     * Every record unacked = 0 was acked, and the backend acks only after the commit: each
     * is in `sessions` (once: its primary key). On a database that already held this seed's
     * records they are duplicates, not new rows.
     */
    records: {
        published: number
        /** new rows the backend committed */
        stored: number
        /** rows in `sessions` at the end */
        rows: number
        acked: number
        duplicates: number
        rejected: number
        failed: number
        lost: number
        unacked: number
    }
    /** the backend: a record's arrival to its ack leaving, after the commit */
    ackLatencyMs: BackendHealth["ackLatencyMs"]
    /** stall publish to the shard's consumer receiving it, the worst shard's percentiles */
    recordLatencyMs: { p50: number | null; p99: number | null }
    schemaErrors: number
    connectionFailures: number
    memoryMb: PerProcess
    /** CPU time (user + system) each process used, start to end */
    cpuSeconds: PerProcess
    ok: boolean
}

export interface PerProcess {
    shards: number[]
    backend: number | null
    brokers: (number | null)[]
    database: number | null
}

/** What a shard and this process say to each other over IPC. */
export type ToShard = { type: "run"; options: ShardRun } | { type: "go" }
export type FromShard =
    | { type: "connected" }
    | { type: "report"; report: FleetReport; maxRssKb: number; cpuSeconds: number }
    | { type: "error"; message: string }

export interface ShardRun {
    stalls: number
    firstStall: number
    clock: boolean
    minutes: number
    speed: number
    brokerUrl: string
    scenarioPath?: string
    seed?: number
    drainMs: number
}

const PREFIX = "stalls"
/** descriptors and ports a broker keeps for itself, its log, its bridge and the consumers */
const CONNECTION_MARGIN = 1000
/** a QoS 1 backlog per client: the default 1000 drops a busy shard consumer's messages */
const MAX_QUEUED_MESSAGES = 1_000_000
const BACKEND_START_MS = 60_000
const POLL_MS = 200
const DRAIN_MS = 120_000
const WORKER = join(import.meta.dirname, "shard-worker.ts")

/**
 * Connections one mosquitto can take here: a descriptor each (it inherits this
 * process's open-file limit) and, all from 127.0.0.1 to one port, an ephemeral port each.
 */
export function connectionCapacity(): { connections: number; openFiles: number | null; ephemeralPorts: number | null } {
    const read = (path: string) => {
        try {
            return readFileSync(path, "utf8")
        } catch {
            return ""
        }
    }
    const files = /^Max open files\s+(\d+)/m.exec(read("/proc/self/limits"))
    const range = read("/proc/sys/net/ipv4/ip_local_port_range").trim().split(/\s+/).map(Number)
    const openFiles = files ? Number(files[1]) : null
    const ephemeralPorts = range.length === 2 && range.every(Number.isFinite) ? range[1] - range[0] + 1 : null
    const bound = Math.min(openFiles ?? 65_536, ephemeralPorts ?? 28_232)
    return { connections: Math.max(1, bound - CONNECTION_MARGIN), openFiles, ephemeralPorts }
}

/** `count` split into `parts` near-equal integers, the larger ones first. */
export function split(count: number, parts: number): number[] {
    return Array.from({ length: parts }, (_, i) => Math.floor(count / parts) + (i < count % parts ? 1 : 0))
}

export async function runShardedFleet(o: ShardedFleetOptions): Promise<ShardedFleetReport> {
    if (!(o.workers >= 1 && o.workers <= o.stalls)) throw new RangeError(`workers must be 1 to ${o.stalls}`)
    const capacity = connectionCapacity()
    const brokerCount = o.brokers ?? Math.ceil((o.stalls + o.workers) / capacity.connections)
    if (brokerCount > o.workers)
        throw new RangeError(`${brokerCount} brokers need at least as many workers (a shard uses one broker)`)
    const perWorker = split(o.stalls, o.workers)
    const brokerOf = (w: number) => Math.floor((w * brokerCount) / o.workers)
    const stallsOn = Array.from({ length: brokerCount }, (_, b) =>
        perWorker.reduce((n, s, w) => n + (brokerOf(w) === b ? s : 0), 0)
    )
    const say = (line: string) => o.progress?.write(line + "\n")
    const brokers: Broker[] = []
    const shards: ChildProcess[] = []
    let backend: Child | undefined
    try {
        brokers.push(await startMosquitto({ config: [`max_queued_messages ${MAX_QUEUED_MESSAGES}`] }))
        const hub = brokers[0]
        for (let b = 1; b < brokerCount; b++) brokers.push(await startMosquitto({ config: bridgeConfig(hub.port) }))
        say(
            `fleet: ${o.stalls} stalls in ${o.workers} processes on ${brokerCount} mosquitto` +
                (brokerCount > 1
                    ? ` (${capacity.connections} connections each at most here), bridged into ${hub.url}`
                    : "")
        )

        const rowsBefore = await countRows(o.dbUrl)
        const httpPort = await freePort()
        const lines: string[] = []
        backend = spawnTracked(
            process.execPath,
            [
                "--import",
                "tsx",
                "sim/cli.ts",
                "backend",
                "--broker",
                hub.url,
                "--db",
                o.dbUrl,
                "--http",
                String(httpPort),
            ],
            { cwd: ROOT },
            (l) => lines.push(l)
        )
        const health = () => backendHealth(httpPort)
        const backendLog = () => lines.slice(-10).join("\n")
        await pollUntil(
            async () => (await health())?.mqtt === true,
            BACKEND_START_MS,
            backend.exited,
            () => `the backend exited:\n${backendLog()}`,
            () => `the backend was not up after ${BACKEND_START_MS} ms:\n${backendLog()}`,
            POLL_MS
        )

        let first = 0
        const runs: Promise<FromShard & { type: "report" }>[] = []
        const connected: Promise<void>[] = []
        for (let w = 0; w < o.workers; w++) {
            const b = brokerOf(w)
            const run: ShardRun = {
                stalls: perWorker[w],
                firstStall: first,
                // the first shard on each broker keeps its stalls' clock
                clock: w === 0 || brokerOf(w - 1) !== b,
                minutes: o.minutes,
                speed: o.speed,
                brokerUrl: brokers[b].url,
                scenarioPath: o.scenarioPath,
                seed: o.seed,
                drainMs: o.drainMs ?? DRAIN_MS,
            }
            first += perWorker[w]
            const child = fork(WORKER, [], { cwd: ROOT, execArgv: ["--import", "tsx"], stdio: "inherit" })
            shards.push(child)
            const { report, ready } = listen(child, w)
            runs.push(report)
            connected.push(ready)
            child.send({ type: "run", options: run } satisfies ToShard)
        }
        const connectStart = performance.now()
        await Promise.all(connected)
        say(`fleet: all ${o.stalls} stalls connected in ${((performance.now() - connectStart) / 1000).toFixed(1)} s`)
        for (const s of shards) s.send({ type: "go" } satisfies ToShard)
        const ticker = setInterval(async () => {
            const h = await health()
            if (h) say(`fleet: backend has stored ${h.counts.stored} records, acked ${h.counts.acked}`)
        }, 10_000)
        const reports = await Promise.all(runs).finally(() => clearInterval(ticker))
        const h = await health()
        if (!h) throw new Error("the backend stopped answering")
        const each = (f: (pid: number) => number | null, shards: number[]): PerProcess => ({
            shards,
            backend: f(backend!.proc.pid!),
            brokers: brokers.map((b) => (b.pid === undefined ? null : f(b.pid))),
            database: o.dbPid === undefined ? null : treeSum(o.dbPid, f),
        })
        const memory = each(
            (pid) => mb(peakRssKb(pid)),
            reports.map((r) => mb(r.maxRssKb)!)
        )
        const cpu = each(
            (pid) => round1(cpuSeconds(pid)),
            reports.map((r) => round1(r.cpuSeconds)!)
        )
        backend.proc.kill("SIGTERM")
        await backend.exited
        backend = undefined
        const rows = await countRows(o.dbUrl)

        const rs = reports.map((r) => r.report)
        const sum = (f: (r: FleetReport) => number) => rs.reduce((n, r) => n + f(r), 0)
        const max = (f: (r: FleetReport) => number) => Math.max(...rs.map(f))
        const worst = (f: (r: FleetReport) => number | null) =>
            rs.map(f).reduce<number | null>((m, x) => (x === null ? m : Math.max(m ?? x, x)), null)
        const published = sum((r) => r.records.published)
        const records = {
            published,
            stored: h.counts.stored,
            rows,
            acked: h.counts.acked,
            duplicates: h.counts.duplicates,
            rejected: h.counts.rejected,
            failed: h.counts.failed,
            lost: sum((r) => r.records.lost),
            unacked: sum((r) => r.records.unacked),
        }
        return {
            stalls: o.stalls,
            workers: o.workers,
            simulatedMinutes: o.minutes,
            speed: o.speed,
            brokers: brokers.map((b, i) => ({
                url: b.url,
                stalls: stallsOn[i],
                bridgedTo: i === 0 ? null : hub.url,
                peakRssMb: memory.brokers[i],
            })),
            connectSeconds: max((r) => r.connectSeconds),
            realSeconds: max((r) => r.realSeconds),
            drainSeconds: max((r) => r.drainSeconds),
            messages: {
                received: sum((r) => r.messages.received),
                perSecond: sum((r) => r.messages.perSecond),
                published: sum((r) => r.published.messages),
            },
            records,
            ackLatencyMs: h.ackLatencyMs,
            recordLatencyMs: { p50: worst((r) => r.latencyMs.records.p50), p99: worst((r) => r.latencyMs.records.p99) },
            schemaErrors: sum((r) => r.schema.errors),
            connectionFailures: sum((r) => r.connectionFailures),
            memoryMb: memory,
            cpuSeconds: cpu,
            ok:
                records.lost === 0 &&
                records.unacked === 0 &&
                records.rejected === 0 &&
                records.failed === 0 &&
                rows - rowsBefore === records.stored &&
                sum((r) => r.schema.errors) === 0,
        }
    } finally {
        for (const s of shards) if (s.exitCode === null) s.kill("SIGKILL")
        if (backend) {
            backend.proc.kill("SIGKILL")
            await backend.exited
        }
        for (const b of brokers.reverse()) await b.stop()
    }
}

/**
 * A second mosquitto's bridge into the first: records and status go to the backend,
 * acks come back; telemetry and events stay with the shard consumers on this broker.
 */
function bridgeConfig(hubPort: number): string[] {
    const topic = (kind: "session" | "status" | "cmd/ack") => stallTopic(PREFIX, "+", kind)
    return [
        `max_queued_messages ${MAX_QUEUED_MESSAGES}`,
        "connection hub",
        `address 127.0.0.1:${hubPort}`,
        `topic ${topic("session")} out 1`,
        `topic ${topic("status")} out 1`,
        `topic ${topic("cmd/ack")} in 1`,
        "cleansession false",
    ]
}

function listen(child: ChildProcess, index: number) {
    let connected!: () => void
    let failed!: (e: Error) => void
    const ready = new Promise<void>((resolve, reject) => {
        connected = resolve
        failed = reject
    })
    const report = new Promise<FromShard & { type: "report" }>((resolve, reject) => {
        const fail = (why: string) => {
            const e = new Error(`fleet shard ${index}: ${why}`)
            failed(e)
            reject(e)
        }
        child.on("message", (m: FromShard) => {
            if (m.type === "connected") connected()
            else if (m.type === "report") resolve(m)
            else fail(m.message)
        })
        child.once("exit", (code, signal) => fail(`exited (${code ?? signal}) before its report`))
    })
    ready.catch(() => undefined)
    return { ready, report }
}

async function backendHealth(port: number): Promise<BackendHealth | null> {
    try {
        const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(5000) })
        return res.ok ? ((await res.json()) as BackendHealth) : null
    } catch {
        return null
    }
}

async function countRows(dbUrl: string): Promise<number> {
    const db = await openDb(dbUrl)
    try {
        await migrate(db)
        return Number((await db.all("SELECT COUNT(*) AS n FROM sessions"))[0].n)
    } finally {
        await db.close()
    }
}

const mb = (kb: number | null) => (kb === null ? null : Math.round(kb / 1024))
const round1 = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10)
