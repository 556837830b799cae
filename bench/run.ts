// npm run bench: throughput of the billing core in Node and in the DeviceScript VM,
// and the firmware's bytecode size. Numbers are reported, never asserted.
import { spawnSync } from "node:child_process"
import { join } from "node:path"
import { StallAccounting } from "../src/core/accounting"
import { configFrom } from "../src/core/config"
import { PILOT_A } from "../src/core/pilot"
import { syntheticSamples } from "../test/helpers/synthetic"
import { DEVS_BIN, ROOT, runDevsTest } from "../test/helpers/devs"

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
        pilot[n] = p.charCodeAt(0) - 65 + PILOT_A
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

async function vmCore(): Promise<void> {
    const run = await runDevsTest("bench/devs/core-bench.ts", 300_000)
    const line = run.lines.find((l) => l.startsWith("bench vm"))
    const m = line && /samples (\d+) ms (\d+)/.exec(line)
    if (!m) {
        console.log("vm core: no result\n" + run.lines.join("\n"))
        process.exitCode = 1
        return
    }
    const samples = Number(m[1])
    const ms = Number(m[2])
    console.log(
        `vm core     : ${samples} samples in ${ms} ms = ${Math.round((samples * 1000) / ms).toLocaleString("en")} samples/s (WASM VM, test mode: GC stress on)`
    )
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

console.log(`# npm run bench (node ${process.version}, ${join(ROOT)})`)
nodeCore()
await vmCore()
bytecode()
