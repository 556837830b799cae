// npm run bench: throughput of the billing core in Node and in the DeviceScript VM,
// and the firmware's bytecode size. Numbers are reported, never asserted.
import { spawnSync } from "node:child_process"
import { rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { StallAccounting } from "../src/core/billing/accounting"
import { configFrom } from "../src/core/billing/config"
import { Pilot } from "../src/core/billing/pilot"
import { syntheticSamples } from "../test/helpers/synthetic"
import { DEVS_BIN, ROOT, runDevsTest } from "../test/helpers/devs"
import { startLive } from "../sim/live/index"
import { runFleet } from "../sim/fleet/fleet"
import { loadTrace } from "../sim/trace/load"
import { VmReplayer } from "../sim/trace/vm-replay"

const NODE_SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5_000_000)

function nodeCore(): void {
    // parse excluded: the stream is materialized first, then only sample() is timed
    const t = new Float64Array(NODE_SAMPLES)
    const pilot = new Uint8Array(NODE_SAMPLES)
    const volts = new Float64Array(NODE_SAMPLES)
    const amps = new Float64Array(NODE_SAMPLES)
    let n = 0
    syntheticSamples(NODE_SAMPLES, (ti, p, v, a) => {
        t[n] = ti
        pilot[n] = p.charCodeAt(0) - 65 + Pilot.A
        volts[n] = v
        amps[n] = a
        n++
    })
    const names = ["A", "B", "C", "D", "E", "F"]
    for (let run = 1; run <= 3; run++) {
        const acct = new StallAccounting(configFrom(undefined))
        let outputs = 0
        const start = process.hrtime.bigint()
        for (let i = 0; i < n; i++) {
            acct.sample(t[i], names[pilot[i]], volts[i], amps[i])
            if (acct.hasOutput()) outputs += acct.take().length
        }
        const sec = Number(process.hrtime.bigint() - start) / 1e9
        console.log(
            `node core   run ${run}: ${n} samples in ${sec.toFixed(3)} s = ${Math.round(n / sec).toLocaleString("en")} samples/s (${outputs} outputs)`
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

/** `sim run --days 365`: a stall-year of 1 Hz samples through scenario generation and the core. */
function stallYear(): void {
    const r = spawnSync(
        process.execPath,
        ["--import", "tsx", "sim/cli.ts", "run", "sim/scenarios/busy-day.json", "--days", "365", "--json"],
        {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 1 << 30,
        }
    )
    const line = r.stderr.split("\n").find((l) => l.startsWith("simulated "))
    console.log(`stall-year  : ${line ?? "failed\n" + r.stderr}`)
    if (!line) process.exitCode = 1
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

console.log(`# npm run bench (node ${process.version}, ${join(ROOT)})`)
nodeCore()
await vmCore()
bytecode()
stallYear()
await replayVm()
await fleet(100)
await heapHeadroom()
