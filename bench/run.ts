// npm run bench: throughput of the billing core in Node and in the DeviceScript VM,
// and the firmware's bytecode size. Numbers are reported, never asserted.
// `npm run bench -- core stall-year` runs only the sections named (see SECTIONS).
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { StallAccounting } from "../src/core/billing/index"
import { configFrom } from "../src/core/billing/index"
import { Pilot } from "../src/core/billing/index"
import { Replay } from "../src/core/trace/index"
import {
    parseScenario,
    playScenario,
    stallHeaders,
    type EventRow,
    type Pilot as PilotLetter,
    type RowSink,
} from "../sim/scenario/scenario"
import { syntheticSamples } from "../test/helpers/synthetic"
import { DEVS_BIN, ROOT, runDevsTest } from "../test/helpers/devs"
import { startLive } from "../sim/live/index"
import { runFleet } from "../sim/fleet/fleet"
import { runShardedFleet } from "../sim/fleet/shards"
import { formatShardedReport } from "../sim/commands/fleet"
import { loadTrace } from "../sim/trace/load"
import { VmReplayer } from "../sim/trace/vm-replay"
import { flush, OUTBOX_RECORDS, RESEND_MS, StallController } from "../src/core/stall/index"
import { FlashStore } from "../src/store/flash"
import { FstorModel } from "../test/helpers/fstor"
import { startPostgres } from "../test/helpers/postgres"
import { dayOfRecords } from "../test/store/records"
import { Backend, INGEST_BATCH } from "../sim/backend/backend"
import { startAedes } from "../sim/live/broker"
import { summarize } from "../sim/report/percentiles"
import mqtt from "mqtt"
import { startWeb } from "../sim/web/index"
import { openChromium } from "../test/helpers/browser"

const NODE_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5_000_000)
/**
 * Untimed first: stretches from all over the stream, each a call of its own, so that every timed
 * run finds the core and its loop compiled for all of it (t is no small integer past 2^31 ms,
 * 2.1 M samples in) and none recompiles during a run.
 */
const WARMUP_STRETCHES = 20
const WARMUP_STRETCH_SAMPLES = 50_000
const PILOT_LETTERS: readonly PilotLetter[] = ["A", "B", "C", "D", "E", "F"]

/** A materialized sample stream: numbers only, so reading it allocates nothing. */
interface Samples {
    count: number
    t: Float64Array
    pilot: Uint8Array
    volts: Float64Array
    amps: Float64Array
}

function syntheticArrays(count: number): Samples {
    const s = {
        count,
        t: new Float64Array(count),
        pilot: new Uint8Array(count),
        volts: new Float64Array(count),
        amps: new Float64Array(count),
    }
    let n = 0
    syntheticSamples(count, (t, p, v, a) => {
        s.t[n] = t
        s.pilot[n] = p.charCodeAt(0) - 65 + Pilot.A
        s.volts[n] = v
        s.amps[n] = a
        n++
    })
    return s
}

/**
 * The timed loop, in a function of its own and warmed up, so every timed run runs the same code:
 * sample() called out of line, as Replay calls it. Inside the reporting loop, run 1 ran
 * on-stack-replaced code with sample() inlined; that code deoptimised when run 1 reached the
 * report, and the code compiled again for runs 2-3 called sample() instead (V8 does not inline a
 * function whose own optimised code is large), boxing t, volts and amps on every call: 37
 * scavenges a run instead of none (here 30 M samples/s called, 45 M inlined).
 */
function accountAll(acct: StallAccounting, s: Samples, from: number, to: number): number {
    let outputs = 0
    for (let i = from; i < to; i++) {
        acct.sample(s.t[i], PILOT_LETTERS[s.pilot[i]], s.volts[i], s.amps[i])
        if (acct.hasOutput()) outputs += acct.take().length
    }
    return outputs
}

/** Throughput by wall clock and by this process's CPU time: a gap between them is other load on the machine. */
function rate(samples: number, wallS: number, cpuS: number): string {
    const m = (x: number) => `${(samples / x / 1e6).toFixed(1)} M`
    return `${m(wallS)} samples/s (CPU time: ${m(cpuS)}/s)`
}

function timed<T>(f: () => T): { value: T; wallS: number; cpuS: number } {
    const cpu0 = process.cpuUsage()
    const wall0 = performance.now()
    const value = f()
    const cpu = process.cpuUsage(cpu0)
    return { value, wallS: (performance.now() - wall0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 }
}

function nodeCore(): void {
    // parse excluded: the stream is materialized first, then only sample() is timed
    const samples = syntheticArrays(NODE_SAMPLES)
    for (let k = 0; k < WARMUP_STRETCHES; k++) {
        const from = Math.floor((k * samples.count) / WARMUP_STRETCHES)
        const to = Math.min(samples.count, from + WARMUP_STRETCH_SAMPLES)
        accountAll(new StallAccounting(configFrom(undefined)), samples, from, to)
    }
    for (let run = 1; run <= 3; run++) {
        const acct = new StallAccounting(configFrom(undefined))
        const r = timed(() => accountAll(acct, samples, 0, samples.count))
        console.log(
            `node core   run ${run}: ${samples.count} samples in ${r.wallS.toFixed(3)} s = ${rate(samples.count, r.wallS, r.cpuS)} (${r.value} outputs)`
        )
    }
}

function vmResult(lines: string[], mode: string): void {
    const line = lines.find((l) => l.startsWith("bench vm"))
    const m = line && /samples (\d+) ms (\d+)/.exec(line)
    if (!m) {
        console.log(`vm core (${mode}): no result\n` + lines.join("\n"))
        process.exitCode = 1
        return
    }
    const samples = Number(m[1])
    const ms = Number(m[2])
    console.log(
        `vm core     : ${samples} samples in ${ms} ms = ${Math.round((samples * 1000) / ms).toLocaleString("en")} samples/s (WASM VM, ${mode})`
    )
}

/** The same program in the VM's test mode (GC stress on) and as a device runs it. */
async function vmCore(): Promise<void> {
    vmResult((await runDevsTest("bench/devs/core-bench.ts", 300_000)).lines, "test mode: GC stress on")
    const live = await startLive({ broker: "aedes", entry: "bench/devs/core-bench.ts" })
    try {
        await live.vm.waitForLine(/^bench vm samples/, 120_000)
        vmResult(live.vm.lines, "device mode")
    } finally {
        await live.stop()
    }
}

function bytecode(): void {
    const r = spawnSync(DEVS_BIN, ["build", "src/main.ts", "-F", "allFunctions", "--stats"], {
        cwd: ROOT,
        encoding: "utf8",
    })
    const m = /bytecode: ([\d.]+kb)/.exec(r.stdout + r.stderr)
    console.log(`bytecode    : src/main.ts ${m ? m[1] : "build failed"}`)
    if (!m) process.exitCode = 1
}

const STALL_YEAR = ["sim/scenarios/busy-day.json", "--days", "365", "--json"]
/** samples handed from the generator to the core at a time in the split below */
const SPLIT_CHUNK = 1 << 16

/** `sim run --days 365`: a stall-year of 1 Hz samples through scenario generation and the core. */
function stallYear(): void {
    const startMs = performance.now()
    const r = spawnSync(process.execPath, ["--import", "tsx", "sim/cli.ts", "run", ...STALL_YEAR], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 1 << 30,
    })
    const processS = (performance.now() - startMs) / 1000
    const line = r.stderr.split("\n").find((l) => l.startsWith("simulated "))
    console.log(`stall-year  : ${line ? `${line}; ${processS.toFixed(1)} s with node's start` : "failed\n" + r.stderr}`)
    if (!line) process.exitCode = 1
    stallYearSplit()
}

/**
 * The same stall-year in this process, split in two: the scenario generator fills a chunk of
 * samples (numbers in typed arrays, events beside them), then the core (Replay) accounts the
 * chunk; each side is timed on its own.
 */
class SplitSink implements RowSink {
    readonly generate = { wallS: 0, cpuS: 0 }
    readonly account = { wallS: 0, cpuS: 0 }
    samples = 0
    private readonly chunk: Samples & { stall: Uint8Array }
    private events: { index: number; stall: number; row: EventRow }[] = []
    private lapWall = performance.now()
    private lapCpu = process.cpuUsage()

    constructor(private readonly replays: Replay[]) {
        this.chunk = {
            count: 0,
            t: new Float64Array(SPLIT_CHUNK),
            pilot: new Uint8Array(SPLIT_CHUNK),
            volts: new Float64Array(SPLIT_CHUNK),
            amps: new Float64Array(SPLIT_CHUNK),
            stall: new Uint8Array(SPLIT_CHUNK),
        }
    }

    sample(stall: number, t: number, pilot: PilotLetter, volts: number | null, amps: number | null): void {
        const c = this.chunk
        const i = c.count
        c.t[i] = t
        c.pilot[i] = pilot.charCodeAt(0) - 65
        // NaN stands for null: a failed meter read
        c.volts[i] = volts ?? NaN
        c.amps[i] = amps ?? NaN
        c.stall[i] = stall
        if (++c.count === SPLIT_CHUNK) this.flush()
    }

    event(stall: number, row: EventRow): void {
        this.events.push({ index: this.chunk.count, stall, row })
    }

    /** Accounts the samples generated so far. */
    flush(): void {
        this.lap(this.generate)
        const c = this.chunk
        let e = 0
        for (let i = 0; i < c.count; i++) {
            for (; e < this.events.length && this.events[e].index === i; e++)
                this.replays[this.events[e].stall].row(this.events[e].row)
            const v = c.volts[i]
            const valid = v === v
            this.replays[c.stall[i]].sample(
                c.t[i],
                PILOT_LETTERS[c.pilot[i]],
                valid ? v : null,
                valid ? c.amps[i] : null
            )
        }
        for (; e < this.events.length; e++) this.replays[this.events[e].stall].row(this.events[e].row)
        for (const r of this.replays) r.take()
        this.samples += c.count
        c.count = 0
        this.events = []
        this.lap(this.account)
    }

    private lap(into: { wallS: number; cpuS: number }): void {
        const now = performance.now()
        const cpu = process.cpuUsage(this.lapCpu)
        into.wallS += (now - this.lapWall) / 1000
        into.cpuS += (cpu.user + cpu.system) / 1e6
        this.lapWall = now
        this.lapCpu = process.cpuUsage()
    }
}

function stallYearSplit(): void {
    const sc = parseScenario(JSON.parse(readFileSync(join(ROOT, STALL_YEAR[0]), "utf8")))
    const sink = new SplitSink(stallHeaders(sc).map(({ header }) => new Replay(header)))
    playScenario(sc, { seed: 1, days: 365 }, sink)
    sink.flush()
    const line = (what: string, r: { wallS: number; cpuS: number }) =>
        `${sink.samples.toLocaleString("en")} samples in ${r.wallS.toFixed(2)} s = ${rate(sink.samples, r.wallS, r.cpuS)} (${what})`
    console.log(`  generate  : ${line("sim/scenario alone, in-process", sink.generate)}`)
    console.log(`  account   : ${line("Replay + StallAccounting alone, in-process", sink.account)}`)
}

/** `sim replay --vm` on a busy day's trace (1 Hz): build + chunks end to end, and the VM's own replay time. */
async function replayVm(): Promise<void> {
    const file = join(tmpdir(), `bench-trace-${process.pid}.json`)
    const days = process.env.BENCH_VM_DAYS ?? "1"
    spawnSync(
        process.execPath,
        ["--import", "tsx", "sim/cli.ts", "run", "sim/scenarios/busy-day.json", "--days", days, "--trace-out", file],
        { cwd: ROOT, encoding: "utf8" }
    )
    const trace = loadTrace(file)
    const t0 = performance.now()
    const vm = await VmReplayer.build()
    try {
        await vm.replay(trace)
    } finally {
        await vm.close()
        rmSync(file, { force: true })
    }
    const s = (performance.now() - t0) / 1000
    const n = trace.rows.length
    console.log(
        `replay --vm : ${n} rows in ${s.toFixed(1)} s = ${Math.round(n / s).toLocaleString("en")} rows/s end to end ` +
            `(${vm.stats.chunks} chunks), ${Math.round((n * 1000) / vm.stats.replayMs).toLocaleString("en")} rows/s in the VM (test mode: GC stress on)`
    )
}

/**
 * Heap headroom of the real firmware during a session: bench/devs/heap-probe.ts runs
 * src/main.ts in the VM (live, not test mode), the sensors charge a car, then it
 * allocates 1 KB at a time until the VM runs out.
 */
async function heapHeadroom(): Promise<void> {
    const live = await startLive({
        broker: "aedes",
        entry: "bench/devs/heap-probe.ts",
        settings: (b) => ({ STALL_ID: "BENCH", MQTT_PORT: b.port, TAP: true }),
    })
    try {
        live.sensors.set({ pilot: "B", volts: 400, amps: 0 })
        await new Promise((r) => setTimeout(r, 4000))
        live.sensors.set({ pilot: "C", volts: 400, amps: 250 })
        await live.vm.waitForLine(/PANIC|heap probe: 1024 KB/, 120_000)
        const probes = live.vm.lines.filter((l) => l.startsWith("heap probe: "))
        const charging = live.collector.received.some(
            (m) => m.topic.endsWith("/status") && m.payload.includes('"charging"')
        )
        console.log(
            `heap        : ${probes.length ? probes[probes.length - 1].slice(12) : "?"} allocatable during a session${charging ? " (charging)" : " (NOT charging: check the run)"}, VM heap 64 KB`
        )
    } finally {
        await live.stop()
    }
}

/**
 * Flash writes of a charging hour: the controller through flush() onto the Node model
 * of the settings store (test/helpers/fstor.ts), a sample a second at 100 kW, after
 * the session opened; then a day of 48 sessions (one an hour, 30 minutes charging).
 */
async function flashWrites(): Promise<void> {
    const kv = new FstorModel()
    const store = new FlashStore(kv)
    const ctl = new StallController(
        { stallId: "BENCH", prefix: "stalls", connector: "NACS", fw: "bench" },
        new StallAccounting(configFrom({})),
        1,
        [],
        { telemetryMs: 10_000, resendMs: RESEND_MS, tap: false, maxOutbox: OUTBOX_RECORDS }
    )
    const wire = { publish: async () => true }
    let t = 0
    const step = async (pilot: string, amps: number) => {
        ctl.sample(t, pilot, 400_000, amps)
        ctl.tick(t)
        await flush(ctl, store, wire, () => t)
        t += 1000
    }
    await step("B", 0)
    await step("C", 250_000)
    const w0 = kv.flashWrites
    const b0 = kv.flashBytes
    const c0 = store.writes
    for (let i = 0; i < 3600; i++) await step("C", 250_000)
    console.log(
        `flash       : charging hour: ${kv.flashWrites - w0} values written, ${((kv.flashBytes - b0) / 1024).toFixed(1)} KB ` +
            `(entries included), ${kv.compactions} compactions of the 8 KB store; ${store.writes - c0} writes asked`
    )
    for (let day = 0; day < 48; day++) {
        for (let i = 0; i < 1800; i++) await step("C", 250_000)
        await step("B", 0)
        await step("A", 0)
        t += 1_800_000
        await step("B", 0)
    }
    console.log(
        `flash       : 48 one-an-hour sessions: ${kv.flashWrites} values, ${(kv.flashBytes / 1024).toFixed(0)} KB written in all, ` +
            `${kv.compactions} compactions, ${kv.dropped} writes dropped; outbox ${ctl.outbox.length} records`
    )
}

/**
 * Heap headroom of the real firmware holding OUTBOX_RECORDS records: the broker is
 * down while that many short sessions close, then bench/devs/heap-probe.ts allocates.
 */
async function heapOutbox(): Promise<void> {
    const sessionMs = 3000
    const live = await startLive({
        broker: "mosquitto",
        entry: "bench/devs/heap-probe.ts",
        settings: (b) => ({
            STALL_ID: "BENCH",
            MQTT_PORT: b.port,
            PROBE_MS: 15_000 + OUTBOX_RECORDS * sessionMs + 5_000,
        }),
    })
    try {
        await live.collector.waitFor((m) => m.topic.endsWith("/status"), 30_000, "status")
        await live.broker!.kill()
        const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
        for (let i = 0; i < OUTBOX_RECORDS; i++) {
            live.sensors.set({ pilot: "B", volts: 400, amps: 0 })
            await sleep(700)
            live.sensors.set({ pilot: "C", volts: 400, amps: 250 })
            await sleep(1500)
            live.sensors.set({ pilot: "A", volts: 0, amps: 0 })
            await sleep(sessionMs - 2200)
        }
        await live.vm.waitForLine(/PANIC|heap probe: 1024 KB/, 120_000)
        const probes = live.vm.lines.filter((l) => l.startsWith("heap probe: "))
        const panics = live.vm.lines.filter((l) => l.includes("PANIC") && !l.includes("60004")).length
        console.log(
            `heap        : ${probes.length ? probes[probes.length - 1].slice(12) : "?"} allocatable with ${OUTBOX_RECORDS} sessions closed offline` +
                `${panics ? " (a panic before the probe: check the run)" : ""}, VM heap 64 KB`
        )
    } finally {
        await live.stop()
    }
}

/**
 * Ingest throughput of the site backend: INGEST_RECORDS distinct records published at
 * once through an embedded aedes, until every one is stored and acked; into SQLite
 * (a file in the temp directory) and a throwaway PostgreSQL cluster.
 */
async function ingest(): Promise<void> {
    const n = Number(process.env.INGEST_RECORDS ?? 5000)
    const [template] = dayOfRecords(1)
    const pg = await startPostgres()
    const dir = mkdtempSync(join(tmpdir(), "bench-ingest-"))
    try {
        for (const [name, dbUrl] of [
            ["SQLite    ", `sqlite:${join(dir, "ingest.db")}`],
            ["PostgreSQL", pg.url],
        ]) {
            const broker = await startAedes()
            const backend = await Backend.start({ brokerUrl: broker.url, dbUrl })
            const client = await mqtt.connectAsync(broker.url)
            let acks = 0
            client.on("message", () => acks++)
            await client.subscribeAsync(`stalls/${template.stallId}/cmd/ack`, { qos: 1 })
            const t0 = performance.now()
            for (let i = 0; i < n; i++)
                client.publish(
                    "stalls/" + template.stallId + "/session",
                    JSON.stringify({ ...template, sessionId: `${template.stallId}-9-${i + 1}`, sessionSeq: i + 1 }),
                    { qos: 1 }
                )
            while (acks < n && performance.now() - t0 < 300_000) await new Promise((r) => setTimeout(r, 20))
            const s = (performance.now() - t0) / 1000
            const rows = await backend.store.count("sessions")
            const lat = summarize(backend.ackLatencyMs)
            console.log(
                `ingest      : ${name} ${rows} rows, ${acks} acks of ${n} records in ${s.toFixed(1)} s = ${Math.round(n / s)} records/s ` +
                    `(transactions of up to ${INGEST_BATCH} records, each acked after its commit; queueing included, ack p50 ${lat.p50?.toFixed(0)} ms)`
            )
            await client.endAsync()
            await backend.stop()
            await broker.stop()
        }
    } finally {
        await pg.stop()
        rmSync(dir, { recursive: true, force: true })
    }
}

/** N stalls (the core in Node with MQTT clients) through the embedded broker. */
async function fleet(stalls: number): Promise<void> {
    const r = await runFleet({ stalls, minutes: 30, speed: 60 })
    const l = r.latencyMs.records
    console.log(
        `fleet       : ${stalls} stalls, 30 simulated min in ${r.realSeconds.toFixed(1)} s: ${Math.round(r.messages.perSecond)} msg/s, ` +
            `records ${r.records.published} published / ${r.records.received} received / ${r.records.lost} lost, ` +
            `record latency p50 ${l.p50?.toFixed(1)} ms p99 ${l.p99?.toFixed(1)} ms, ${r.bytesPerSession} bytes/session`
    )
}

/** what a page's EventSource delivered and how often it drew, read in the page */
const PAGE_PROBE = `(() => {
    window.__probe = { updates: 0, bytes: 0, frames: 0 }
    const ES = window.EventSource
    window.EventSource = class extends ES {
        constructor(...args) {
            super(...args)
            for (const name of ["hello", "update"])
                this.addEventListener(name, (e) => {
                    if (name === "update") window.__probe.updates++
                    window.__probe.bytes += e.data.length
                })
        }
    }
    const frame = () => { window.__probe.frames++; requestAnimationFrame(frame) }
    requestAnimationFrame(frame)
})()`

/**
 * The site view (--web) under WEB_STALLS (1,000) stalls for 30 simulated minutes at x60, the page
 * open in headless Chromium (Debian's): the page's weight, the updates the server delivered and
 * the page applied, its frames, and the fleet's own figures beside it. Needs /usr/bin/chromium,
 * so only when named: `npm run bench -- web`.
 */
async function web(): Promise<void> {
    const stalls = Number(process.env.WEB_STALLS ?? 1000)
    const site = await startWeb({ port: 0, title: "bench", prefix: "stalls" })
    const browser = await openChromium()
    try {
        await browser.page.addInitScript(PAGE_PROBE)
        await browser.page.goto(site.url)
        const probe = async () => {
            const p = (await browser.page.evaluate("window.__probe")) as {
                updates: number
                bytes: number
                frames: number
            }
            const applied = Number(await browser.page.evaluate("document.body.dataset.updates ?? 0"))
            return { ...p, applied, at: performance.now() }
        }
        const fleetRun = runFleet({
            stalls,
            minutes: 30,
            speed: 60,
            onBroker: (url) => site.attach(url),
        })
        // every stall connected (its status on the page): from then on, while the fleet feeds
        await browser.page.waitForFunction(`document.querySelectorAll("#grid .tile").length === ${stalls}`, null, {
            timeout: 300_000,
        })
        const from = await probe()
        const r = await fleetRun
        const to = await probe()
        const s = (to.at - from.at) / 1000
        const per = (k: "updates" | "bytes" | "frames" | "applied") => (to[k] - from[k]) / s
        const page = Object.values(site.server.assetBytes).reduce((a, b) => a + b, 0)
        console.log(
            `web         : page ${page.toLocaleString("en")} bytes of assets; ${stalls} stalls, ${s.toFixed(0)} s: ` +
                `${per("updates").toFixed(2)} updates/s delivered (${(per("bytes") / 1000).toFixed(0)} kB/s), ` +
                `${per("applied").toFixed(2)} applied/s, ${per("frames").toFixed(0)} frames/s in Chromium; ` +
                `fleet ${r.messages.perSecond} msg/s, records ${r.records.published} / ${r.records.received} received / ${r.records.lost} lost`
        )
    } finally {
        await browser.close()
        await site.stop("bench over")
    }
}

/**
 * The seeds' scale: SITE_STALLS (30,000) stalls for one simulated hour at SITE_SPEED, spread
 * over SITE_WORKERS processes, through mosquitto into the site backend (its own process) on a
 * throwaway PostgreSQL. About 25 minutes on 2 cores, so only when named: `npm run bench -- site`.
 */
async function site(): Promise<void> {
    const stalls = Number(process.env.SITE_STALLS ?? 30_000)
    const pg = await startPostgres()
    try {
        const r = await runShardedFleet({
            stalls,
            minutes: Number(process.env.SITE_MINUTES ?? 60),
            speed: Number(process.env.SITE_SPEED ?? 3),
            workers: Number(process.env.SITE_WORKERS ?? Math.max(2, Math.ceil(stalls / 7500))),
            dbUrl: pg.url,
            dbPid: pg.pid,
            progress: process.stderr,
        })
        console.log(
            formatShardedReport(r)
                .split("\n")
                .map((l, i) => (i === 0 ? "site        : " : "              ") + l.trim())
                .join("\n")
        )
    } finally {
        await pg.stop()
    }
}

/** Sections too long for the default run: they run only when named. */
const NAMED_ONLY = new Set(["site", "web"])

const SECTIONS: Record<string, () => void | Promise<void>> = {
    core: nodeCore,
    vm: vmCore,
    bytecode,
    "stall-year": stallYear,
    "replay-vm": replayVm,
    fleet: () => fleet(100),
    heap: heapHeadroom,
    "heap-outbox": heapOutbox,
    flash: flashWrites,
    ingest,
    site,
    web,
}

const chosen = process.argv.slice(2)
const unknown = chosen.filter((name) => !(name in SECTIONS))
if (unknown.length) {
    console.error(`bench: unknown section ${unknown.join(", ")}; sections: ${Object.keys(SECTIONS).join(" ")}`)
    process.exit(2)
}
const load = loadavg().map((l) => l.toFixed(1))
console.log(`# npm run bench (node ${process.version}, ${join(ROOT)}, load average ${load.join(" ")})`)
for (const [name, section] of Object.entries(SECTIONS))
    if (chosen.length ? chosen.includes(name) : !NAMED_ONLY.has(name)) await section()
