// `sim fleet --stalls N --minutes M`: N stalls (the real decision logic, src/core)
// with their own MQTT clients, one backend consuming everything, through one broker;
// a load figure for the MQTT contract: messages/s, bytes per session, records
// published vs received, end-to-end latency.

import { fileURLToPath } from "node:url"
import { startAedes, type Broker } from "../live/broker"
import { FleetBackend, FleetLedger, type KindCount } from "./backend"
import { Backend } from "../backend/backend"
import { FleetStall } from "./stall"
import { phaseScenario, pickStart } from "./timeline"
import { summarize, type Stats } from "../report/percentiles"
import { createProgress, type Writer } from "../report/progress"
import { loadScenario } from "../commands/run"
import { mulberry32, stallHeaders } from "../scenario/scenario"

export interface FleetOptions {
    stalls: number
    minutes: number
    /** simulated minutes per real minute; default 60 (a simulated minute per real second) */
    speed?: number
    /** an external broker; an embedded aedes on a free port when absent */
    brokerUrl?: string
    scenarioPath?: string
    seed?: number
    prefix?: string
    /** progress lines (stderr in the CLI); none when absent */
    progress?: Writer
    /** how long to wait for the last records after feeding stops */
    drainMs?: number
    /** the site backend (sim/backend) stores and acks the records in this database (sqlite:FILE, postgres://…) */
    dbUrl?: string
    /** one process's part of a fleet spread over several (sim/fleet/shards.ts) */
    shard?: Shard
    /** once the broker (and the site backend) are up, before any stall connects: e.g. to connect the site view */
    onBroker?: (url: string, site: Backend | undefined) => Promise<void>
}

/**
 * A shard's stalls are numbered from `firstStall`; its consumer subscribes to their
 * topics only and never acks (the site backend, in its own process, does); only a
 * shard with `clock` publishes the site clock; `ready` resolves when every shard is
 * connected, so all of them feed at the same time.
 */
export interface Shard {
    firstStall: number
    clock: boolean
    ready(): Promise<void>
}

export interface FleetReport {
    scenario: string
    seed: number
    broker: string
    stalls: number
    simulatedMinutes: number
    speed: number
    /** each stall's warm-up and connection, before the fleet's clock starts */
    connectSeconds: number
    /** feeding the stalls: simulatedMinutes / speed when the machine keeps up */
    realSeconds: number
    /** waiting for the last records and acks */
    drainSeconds: number
    messages: { received: number; perSecond: number; byKind: Record<string, KindCount> }
    /** what the stalls published: messages and payload bytes */
    published: { messages: number; bytes: number }
    sessionsClosed: number
    /** payload bytes of everything the stalls published / sessions closed */
    bytesPerSession: number | null
    records: { published: number; received: number; duplicates: number; lost: number; unacked: number }
    /** with --db: what the site backend did, and the rows its database holds */
    db: {
        url: string
        stored: number
        duplicates: number
        rejected: number
        acked: number
        failed: number
        rows: number
        ackLatencyMs: Stats
    } | null
    latencyMs: { records: Stats; status: Stats }
    /** the site occupancy the fleet's backend published; null when the site backend (--db, shards) publishes it */
    occupancy: { publishes: number; percent: number | null } | null
    /** real time each feed of every stall took: the simulation's own share of the latencies (one thread) */
    feedMs: Stats
    schema: { checked: number; errors: number; firstError: string | null }
    /** stall connections refused or lost (simulated power cuts excluded), and the backend's */
    connectionFailures: number
    stallsOffline: number
    /** no record lost, no schema error; with --db, every record stored once */
    ok: boolean
}

/** what each stall replays without --scenario */
export const DEFAULT_SCENARIO = fileURLToPath(new URL("../scenarios/busy-day.json", import.meta.url))
/** real time between two feeds of every stall */
const TICK_MS = 100
/** connections opened together: a thousand at once storms the broker */
const CONNECT_BATCH = 50
/** refresh of the retained site clock, in simulated time: each one fans out to every stall */
const CLOCK_EVERY_MS = 10 * 60_000
const DRAIN_MS = 10_000
const POLL_MS = 50
/** stalls one process holds (their clients, timers and timelines share one thread) */
export const MAX_STALLS = 10_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runFleet(options: FleetOptions): Promise<FleetReport> {
    const speed = options.speed ?? 60
    const seed = options.seed ?? 1
    const prefix = options.prefix ?? "stalls"
    const scenarioPath = options.scenarioPath ?? DEFAULT_SCENARIO
    const sc = loadScenario(scenarioPath)
    const { header } = stallHeaders(sc)[0]

    const broker: Broker | undefined = options.brokerUrl ? undefined : await startAedes()
    const url = options.brokerUrl ?? broker!.url
    const ledger = new FleetLedger()
    let backend: FleetBackend | undefined
    let site: Backend | undefined
    const stalls: FleetStall[] = []
    try {
        // with a database the site backend acks; the fleet's consumer only counts
        if (options.dbUrl) site = await Backend.start({ brokerUrl: url, dbUrl: options.dbUrl, prefix })
        await options.onBroker?.(url, site)
        const shard = options.shard
        const first = shard?.firstStall ?? 0
        const ids = Array.from({ length: options.stalls }, (_, i) => "F" + String(first + i + 1).padStart(4, "0"))
        backend = await FleetBackend.start(url, prefix, ledger, !site && !shard, shard ? ids : undefined)
        const be = backend
        const epoch0 = Date.now()
        let lastClock = 0
        const clock = (ms: number) => (!shard || shard.clock) && be.clock(ms)
        clock(epoch0)

        const random = mulberry32(seed + first)
        for (let i = 0; i < options.stalls; i++) {
            const start = pickStart(sc, random)
            stalls.push(
                new FleetStall({
                    stallId: ids[i],
                    prefix,
                    url,
                    scenario: phaseScenario(sc, start.phaseMin),
                    warmUpMs: start.warmUpMs,
                    header,
                    seed: seed + first + i,
                    reconnectPeriodMs: 1000 + Math.floor(random() * 1000),
                    command: (topic, payload) => be.command(topic, payload),
                    ledger,
                })
            )
        }
        options.progress?.write(`fleet: connecting ${stalls.length} stalls to ${broker ? "an embedded aedes" : url}\n`)
        const connectStart = performance.now()
        // all warm-ups first: done between connections, they would hold up their traffic
        for (const s of stalls) s.warmUp()
        for (let i = 0; i < stalls.length; i += CONNECT_BATCH)
            await Promise.all(stalls.slice(i, i + CONNECT_BATCH).map((s) => s.connect()))
        const connectSeconds = (performance.now() - connectStart) / 1000
        await shard?.ready()

        const endMs = Math.round(options.minutes * 60_000)
        const progress = options.progress
            ? createProgress(
                  stalls.length * (endMs / 1000),
                  `fleet: ${stalls.length} stalls, ${options.minutes} simulated min`,
                  options.progress,
                  { unit: "samples" }
              )
            : undefined
        const receivedBefore = be.received
        const { realSeconds, feedMs } = await feed(stalls, endMs, speed, (now) => {
            if (now - lastClock >= CLOCK_EVERY_MS) clock(epoch0 + (lastClock = now))
            progress?.update(stalls.length * (now / 1000))
        })
        progress?.finish()
        const receivedFeeding = be.received - receivedBefore

        // every record that entered an outbox must arrive, and its ack get back
        const drainStart = performance.now()
        const drainEnd = drainStart + (options.drainMs ?? DRAIN_MS)
        // (and the consumer has as many messages as the stalls published: the last tick's are in flight)
        const settled = () =>
            be.received >= ledger.messages &&
            [...ledger.closed].every((id) => be.records.has(id)) &&
            stalls.every((s) => s.pendingRecords === 0)
        while (!settled() && performance.now() < drainEnd) await sleep(POLL_MS)
        const drainSeconds = (performance.now() - drainStart) / 1000

        const lost = [...ledger.closed].filter((id) => !be.records.has(id)).length
        const closed = ledger.closed.size
        if (site) await site.settled()
        const db = site
            ? {
                  url: options.dbUrl!.replace(/:\/\/[^@/]*@/, "://…@"),
                  stored: site.counts.stored,
                  duplicates: site.counts.duplicates,
                  rejected: site.counts.rejected,
                  acked: site.counts.acked,
                  failed: site.counts.failed,
                  rows: await site.store.count("sessions"),
                  ackLatencyMs: summarize(site.ackLatencyMs),
              }
            : null
        const report: FleetReport = {
            scenario: scenarioPath,
            seed,
            broker: broker ? `aedes (embedded, ${broker.url})` : url,
            stalls: stalls.length,
            simulatedMinutes: options.minutes,
            speed,
            connectSeconds: round(connectSeconds, 2),
            realSeconds: round(realSeconds, 2),
            drainSeconds: round(drainSeconds, 2),
            messages: {
                received: be.received,
                perSecond: Math.round(receivedFeeding / realSeconds),
                byKind: Object.fromEntries([...be.byKind].sort().map(([k, c]) => [k, { ...c }])),
            },
            published: { messages: ledger.messages, bytes: ledger.bytes },
            sessionsClosed: closed,
            bytesPerSession: closed ? Math.round(ledger.bytes / closed) : null,
            records: {
                published: closed,
                received: be.records.size,
                duplicates: be.duplicates,
                lost,
                unacked: stalls.reduce((n, s) => n + s.pendingRecords, 0),
            },
            db,
            latencyMs: { records: summarize(be.recordLatencyMs), status: summarize(be.statusLatencyMs) },
            occupancy: !site && !shard ? { ...be.occupancy } : null,
            feedMs: summarize(feedMs),
            schema: { checked: be.schemaChecked, errors: be.schemaErrors, firstError: be.firstSchemaError },
            connectionFailures: stalls.reduce((n, s) => n + s.failures, 0) + be.disconnects,
            stallsOffline: stalls.filter((s) => !s.online).length,
            ok: lost === 0 && be.schemaErrors === 0 && (db === null || db.rows === closed),
        }
        return report
    } finally {
        await Promise.all(stalls.map((s) => s.stop()))
        await backend?.stop()
        await site?.stop()
        await broker?.stop()
    }
}

/**
 * The simulated clock: one timer moves it with real time x speed and feeds every
 * stall up to it, until `endMs`. Returns the real time taken and each feed's cost.
 */
function feed(
    stalls: FleetStall[],
    endMs: number,
    speed: number,
    onTick: (now: number) => void
): Promise<{ realSeconds: number; feedMs: number[] }> {
    const start = performance.now()
    const feedMs: number[] = []
    return new Promise((resolve) => {
        const timer = setInterval(() => {
            const tickStart = performance.now()
            const now = Math.min(endMs, Math.floor((tickStart - start) * speed))
            for (const s of stalls) s.advance(now)
            feedMs.push(performance.now() - tickStart)
            onTick(now)
            if (now >= endMs) {
                clearInterval(timer)
                resolve({ realSeconds: (performance.now() - start) / 1000, feedMs })
            }
        }, TICK_MS)
    })
}

function round(x: number, digits: number): number {
    return Number(x.toFixed(digits))
}
