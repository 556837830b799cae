// `sim sensors` against a devtools hub started here (a user's would be the VS Code
// extension's): a separate jacdac-ts client on the hub reads the raw readings served
// and compares them with rawFor() of what the keys or the scenario asked for.
import { spawn } from "node:child_process"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import type { PilotState } from "../../src/core/billing/index"
import {
    calibrationOf,
    commandTopic,
    defaultSettings,
    pilotNominalVolts,
    rawFor,
    settingsFrom,
    type Calibration,
} from "../../src/core/stall/index"
import { sensorsCommand } from "../../sim/commands/sensors"
import { connectBus } from "../../sim/live/bus"
import { startDevtools, type Devtools } from "../../sim/live/devtools"
import {
    SRV_DC_CURRENT_MEASUREMENT,
    SRV_DC_VOLTAGE_MEASUREMENT,
    SRV_POTENTIOMETER,
    type JDBus,
} from "../../sim/live/jacdac"
import { startAedes } from "../../sim/live/broker"
import { Collector } from "../../sim/live/collector"
import { ROOT } from "../../sim/live/process"
import { scenarioToTraces, type SampleRow } from "../../sim/scenario/scenario"
import { parseEnv } from "../../sim/commands/env-file"
import { loadScenario } from "../../sim/commands/run"
import { captureIo } from "../sim/commands/capture"

/** pilot, bus volts, amps: raw, as the stall's sensors read them */
type Raw = [pilot: number, volts: number, amps: number]

const T = 15_000
/** the potentiometer's reading is u0.16: 1/65536 steps */
const RAW_TOLERANCE = 1e-4

let devtools: Devtools
let bus: JDBus

beforeAll(async () => {
    devtools = await startDevtools()
    bus = await connectBus()
})
afterAll(async () => {
    await bus?.dispose()
    await devtools?.stop()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until<T>(what: string, timeoutMs: number, get: () => Promise<T | undefined>): Promise<T> {
    const end = Date.now() + timeoutMs
    for (;;) {
        const v = await get()
        if (v !== undefined) return v
        if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
        await sleep(50)
    }
}

/** One reading register, fresh from its server; undefined while the service is not on the bus. */
async function reading(serviceClass: number): Promise<number | undefined> {
    const [service] = bus.services({ serviceClass })
    if (!service) return undefined
    const reg = service.readingRegister
    if (!(await reg.refresh().catch(() => false))) return undefined
    return reg.unpackedValue[0] as number
}

async function served(): Promise<Raw | undefined> {
    const pilot = await reading(SRV_POTENTIOMETER)
    const volts = await reading(SRV_DC_VOLTAGE_MEASUREMENT)
    const amps = await reading(SRV_DC_CURRENT_MEASUREMENT)
    return pilot === undefined || volts === undefined || amps === undefined ? undefined : [pilot, volts, amps]
}

function rawOf(cal: Calibration, pilot: PilotState, volts: number, amps: number): Raw {
    return [rawFor(pilotNominalVolts(pilot), cal.pilotVolts), rawFor(volts, cal.busVolts), rawFor(amps, cal.amps)]
}

const same = (a: Raw, b: Raw) => a.every((x, i) => Math.abs(x - b[i]) <= RAW_TOLERANCE)

/** Waits until what is served equals one of `expected`; returns it. */
function servedOneOf(what: string, expected: Raw[], timeoutMs = T): Promise<Raw> {
    return until(what, timeoutMs, async () => {
        const r = await served()
        return r && expected.some((e) => same(e, r)) ? r : undefined
    })
}

/** A child's stdout, line by line, with a wait for the next line that matches. */
function lines(stream: NodeJS.ReadableStream) {
    const all: string[] = []
    let rest = ""
    stream.setEncoding("utf8")
    stream.on("data", (chunk: string) => {
        const parts = (rest + chunk).split("\n")
        rest = parts.pop()!
        all.push(...parts)
    })
    return {
        all,
        next: (re: RegExp, since: number) =>
            until(`a line ${re} (have: ${all.slice(-3).join(" | ")})`, T, async () =>
                all.slice(since).find((l) => re.test(l))
            ),
    }
}

describe.sequential("sim sensors on a running hub", () => {
    test("keys from a pipe: plug, 70 kW, charge, NaN meter, finish, unplug, quit", async () => {
        const cal = calibrationOf(defaultSettings())
        const child = spawn(process.execPath, ["--import", "tsx", "sim/cli.ts", "sensors"], {
            cwd: ROOT,
            stdio: ["pipe", "pipe", "pipe"],
        })
        const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
        let stderr = ""
        child.stderr.on("data", (d) => (stderr += d))
        const out = lines(child.stdout)
        try {
            await out.next(/^start  pilot A/, 0)
            await servedOneOf("unplugged", [rawOf(cal, "A", 0, 0)])
            const steps: [string, RegExp, Raw][] = [
                ["b", /^key b  pilot B · 400 V · 0\.0 A/, rawOf(cal, "B", 400, 0)],
                ["7", /^key 7  pilot B .* c charges at 70 kW: tier 2 of 2/, rawOf(cal, "B", 400, 0)],
                [
                    "c",
                    /^key c  pilot C · 400 V · 175\.0 A · 70 kW · tier 2 of 2 \(> 60 kW\)$/,
                    rawOf(cal, "C", 400, 175),
                ],
                ["n", /^key n  pilot C .* meter reads NaN$/, [rawOf(cal, "C", 0, 0)[0], NaN, NaN]],
                ["n", /^key n  pilot C · 400 V · 175\.0 A · 70 kW/, rawOf(cal, "C", 400, 175)],
                ["b", /^key b  pilot B · 400 V · 0\.0 A/, rawOf(cal, "B", 400, 0)],
                ["a", /^key a  pilot A · 0 V · 0\.0 A/, rawOf(cal, "A", 0, 0)],
            ]
            for (const [key, line, raw] of steps) {
                const since = out.all.length
                child.stdin.write(key + "\n")
                await out.next(line, since)
                if (Number.isNaN(raw[1]))
                    await until(`NaN readings after '${key}'`, T, async () => {
                        const r = await served()
                        return r && Math.abs(r[0] - raw[0]) <= RAW_TOLERANCE && r.slice(1).every(Number.isNaN)
                            ? r
                            : undefined
                    })
                else await servedOneOf(`the readings after '${key}'`, [raw])
            }
            const since = out.all.length
            child.stdin.write("q")
            await out.next(/^quit$/, since)
            expect(await exited).toBe(0)
            expect(stderr).toBe("")
        } finally {
            child.kill()
        }
    }, 60_000)

    test("a scenario in real time, through the calibration of --env: values follow it, exit 0", async () => {
        const { dir, path, samples } = shortScenario()
        const envText = "V_GAIN=200\nI_GAIN=500\nSTALL_ID=bay-7\n"
        const envPath = join(dir, ".env.local")
        writeFileSync(envPath, envText)
        const cal = calibrationOf(settingsFrom(parseEnv(envText)).settings)
        const phase = (pilot: PilotState) =>
            samples.filter((r) => r[1] === pilot).map(([, p, v, a]) => rawOf(cal, p, v!, a!))
        const lengthMs = samples[samples.length - 1][0] - samples[0][0]
        expect(phase("C").length).toBeGreaterThan(2)

        const run = runInProcess([path, "--env", envPath])
        // each phase in turn, each within the scenario's length
        await servedOneOf("plugged in (B)", phase("B"), lengthMs + T)
        const charging = await servedOneOf("charging (C), as one of the C rows", phase("C"), lengthMs + T)
        expect(charging[2]).toBeGreaterThan(0)
        await servedOneOf("unplugged (A) after charging", phase("A"), lengthMs + T)
        const { code, stdout, stderr } = await run.done(lengthMs + T)
        expect(code, stderr).toBe(0)
        expect(stdout).toContain(
            `authorize publish to ${commandTopic("stalls", "bay-7", "authorize")}: {"account":"short-1","freeWh":0}`
        )
        expect(stdout).toMatch(/\] sensors   pilot C · [\d.]+ V · [\d.]+ A · [\d.]+ kW\n/)
        expect(stdout).toMatch(new RegExp(`\\] done      ${samples.length} samples served\\n$`))
    }, 90_000)

    test("--broker: the scenario's commands are published there", async () => {
        const { path, samples } = shortScenario()
        const lengthMs = samples[samples.length - 1][0] - samples[0][0]
        const broker = await startAedes()
        const collector = await Collector.start(broker.url)
        try {
            const run = runInProcess([path, "--broker", broker.url, "--stall", "bay-9"])
            const m = await collector.waitFor(
                (m) => m.topic === commandTopic("stalls", "bay-9", "authorize"),
                lengthMs + T,
                "the authorize command"
            )
            expect(m.json).toEqual({ account: "short-1", freeWh: 0 })
            const { code, stdout, stderr } = await run.done(lengthMs + T)
            expect(code, stderr).toBe(0)
            expect(stdout).toContain(`authorize published to ${m.topic}: ${m.payload}`)
            expect(collector.received.filter((r) => r.topic.includes("bay-9"))).toHaveLength(1)
        } finally {
            await collector.close()
            await broker.stop()
        }
    }, 90_000)
})

/** A time-lapse car: plugged at 1 s, charging from 3 s to 8 s, gone at 12 s, over at 17 s. */
function shortScenario(): { dir: string; path: string; samples: SampleRow[] } {
    const dir = mkdtempSync(join(tmpdir(), "sim-sensors-live-"))
    const path = join(dir, "short.json")
    const visit = {
        vehicle: "tesla-model-3-lr",
        packScale: 0.003,
        arriveMin: 0.02,
        handshakeS: 2,
        initialSocPct: 10,
        targetSocPct: 30,
        idleMin: 0.05,
        authorize: { account: "short-1" },
    }
    writeFileSync(path, JSON.stringify({ stall: { id: "T-1", powerLimitKw: 250 }, tariff: "DE-2017", visits: [visit] }))
    const rows = scenarioToTraces(loadScenario(path), { seed: 1 })[0].trace.rows
    return { dir, path, samples: rows.filter((r): r is SampleRow => Array.isArray(r)) }
}

/** The command in this process (scenario mode reads no keys); `done` waits for its exit code. */
function runInProcess(argv: string[]) {
    const c = captureIo()
    let code: number | undefined
    const run = sensorsCommand(argv, c.io, new PassThrough()).then((x) => (code = x))
    return {
        done: async (timeoutMs: number) => {
            await until("the command's end", timeoutMs, async () => code)
            await run
            return { code, stdout: c.stdout(), stderr: c.stderr() }
        },
    }
}
