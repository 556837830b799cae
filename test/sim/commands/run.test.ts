import fc from "fast-check"
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { replayTrace, type SessionRecord } from "../../../src/core/trace/replay"
import { createProgress } from "../../../sim/report/progress"
import { runCommand } from "../../../sim/commands/run"
import { scenarioToTraces } from "../../../sim/scenario/scenario"
import { formatMoney } from "../../../sim/report/summary"
import { loadShipped, SCENARIO_DIR } from "../helpers"
import { arbScenario } from "../../helpers/synthetic"

function capture(isTTY = false) {
    let text = ""
    return { writer: { isTTY, write: (s: string) => (text += s) }, text: () => text }
}

async function run(...argv: string[]) {
    const out = capture()
    const err = capture()
    const code = await runCommand(argv, { stdout: out.writer, stderr: err.writer })
    return { code, stdout: out.text(), stderr: err.text() }
}

const scenario = (name: string) => join(SCENARIO_DIR, name)
const tmp = () => mkdtempSync(join(tmpdir(), "sim-run-"))

function expectedSessions(name: string, seed = 1): SessionRecord[] {
    const [{ trace }] = scenarioToTraces(loadShipped(name), { seed })
    return replayTrace(trace).filter((o): o is SessionRecord => o.type === "session")
}

describe("sim run", () => {
    it("prints a summary with each session's total", async () => {
        const { code, stdout, stderr } = await run(scenario("idle-hog.json"))
        expect(code).toBe(0)
        expect(stderr).toBe("")
        const [r] = expectedSessions("idle-hog.json")
        expect(stdout).toContain(`total       ${formatMoney(r.cost.totalMinor, "EUR")}`)
        expect(stdout).toContain(`idle cost   ${formatMoney(r.cost.idleMinor, "EUR")}`)
        expect(stdout).toContain("Stall DE-2B: 1 session")
    })

    it("shows idle minutes by factor and shared periods, in the summary and in --json", async () => {
        const [r] = expectedSessions("idle-occupancy.json")
        // 30 % then 60 %, 100 %, 40 %: some minutes free, some × 1, some × 2
        expect(r.idleFullMinutes).toBeGreaterThan(0)
        expect(r.idleBilledMinutes).toBeGreaterThan(r.idleFullMinutes)
        const text = (await run(scenario("idle-occupancy.json"))).stdout
        expect(text).toContain(
            `billed ${r.idleBilledMinutes} min (${r.idleBilledMinutes - r.idleFullMinutes} × 1, ${r.idleFullMinutes} full × 2)`
        )
        expect(text).toContain(`(${r.idleFullMinutes} min full)`)
        const paired = await run(scenario("paired-stalls.json"), "--json")
        const out = JSON.parse(paired.stdout)
        for (const stall of out.stalls) {
            const [s] = stall.sessions
            expect(s.sharedPeriods).toBeGreaterThan(0)
            expect(stall.totals).toMatchObject({ sharedPeriods: s.sharedPeriods, idleFullMinutes: 0 })
        }
        const first = out.stalls[0].sessions[0].sharedPeriods
        expect((await run(scenario("paired-stalls.json"))).stdout).toContain(`shared ${first} min (tier 1)`)
    })

    it("prints the records as JSON with --json", async () => {
        const { code, stdout } = await run(scenario("fr-credit.json"), "--json", "--seed", "3")
        expect(code).toBe(0)
        const out = JSON.parse(stdout)
        expect(out.seed).toBe(3)
        expect(out.stalls[0].sessions).toEqual(expectedSessions("fr-credit.json", 3))
        expect(out.stalls[0].totals.totalMinor.EUR).toBe(
            out.stalls[0].sessions.reduce((s: number, r: SessionRecord) => s + r.cost.totalMinor, 0)
        )
    })

    it("writes the trace and the chart, one per stall of a pair", async () => {
        const dir = tmp()
        const { code } = await run(
            scenario("paired-stalls.json"),
            "--trace-out",
            join(dir, "t.json"),
            "--chart",
            join(dir, "c.svg")
        )
        expect(code).toBe(0)
        const traces = scenarioToTraces(loadShipped("paired-stalls.json"), { seed: 1 })
        for (const { stallId, trace } of traces) {
            expect(JSON.parse(readFileSync(join(dir, `t-${stallId}.json`), "utf8"))).toEqual(
                JSON.parse(JSON.stringify(trace))
            )
            expect(readFileSync(join(dir, `c-${stallId}.svg`), "utf8")).toMatch(/^<svg /)
        }
        expect(existsSync(join(dir, "t.json"))).toBe(false)
    })

    it("runs several days and reports its throughput", async () => {
        const { code, stdout, stderr } = await run(scenario("idle-hog.json"), "--days", "2", "--json")
        expect(code).toBe(0)
        const out = JSON.parse(stdout)
        expect(out.days).toBe(2)
        expect(out.stalls[0].sessions).toHaveLength(2)
        expect(out.throughput.samples).toBe(2 * 86400)
        expect(stderr).toMatch(/simulated 2 days at 1 stall: 172,800 samples in [\d.]+ s \([\d.]+ M samples\/s\)/)
    })

    it("exits 2 on bad arguments: what is wrong and the --help hint, in one line", async () => {
        const dir = tmp()
        const cases: [string[], RegExp][] = [
            [[], /^sim run: missing SCENARIO.json; usage: sim run SCENARIO.json \[options\]$/],
            [
                [scenario("idle-hog.json"), "--colour"],
                /^sim run: Unknown option '--colour'; valid options: --json, --chart, --trace-out, --seed, --days, --help$/,
            ],
            [[scenario("idle-hog.json"), "--dyas", "2"], /^sim run: Unknown option '--dyas'; did you mean '--days'\?$/],
            [[scenario("idle-hog.json"), "-x"], /^sim run: Unknown option '-x'; valid options: --json, /],
            [[scenario("idle-hog.json"), "b.json"], /^sim run: unexpected argument 'b.json'; usage: sim run /],
            [[scenario("idle-hog.json"), "--json=yes"], /^sim run: option '--json' takes no value$/],
            [[scenario("idle-hog.json"), "--seed"], /^sim run: option '--seed' needs a value: --seed N$/],
            [[scenario("idle-hog.json"), "--chart", "--json"], /^sim run: option '--chart' needs a value/],
            [[scenario("idle-hog.json"), "--seed", "abc"], /^sim run: --seed must be an integer/],
            [[scenario("idle-hog.json"), "--days", "0"], /^sim run: --days must be an integer from 1/],
            [
                [scenario("idle-hog.json"), "--days", "-3"],
                /^sim run: --days must be an integer from 1 to 3660, got "-3"$/,
            ],
            [[scenario("idle-hog.json"), "--days=-3"], /^sim run: --days must be an integer from 1 to 3660, got "-3"$/],
            [
                [scenario("busy-day.json"), "--days", "30", "--chart", join(dir, "x.svg")],
                /^sim run: --chart draws at most 7 days/,
            ],
        ]
        for (const [argv, message] of cases) {
            const { code, stdout, stderr } = await run(...argv)
            expect(code).toBe(2)
            expect(stdout).toBe("")
            const lines = stderr.trimEnd().split("\n")
            expect(lines).toHaveLength(1)
            const hint = " (see 'sim run --help')"
            expect(lines[0].endsWith(hint)).toBe(true)
            expect(lines[0].slice(0, -hint.length)).toMatch(message)
        }
    })

    it("exits 2 with one line on bad arguments or a bad scenario", async () => {
        const dir = tmp()
        const broken = join(dir, "broken.json")
        writeFileSync(
            broken,
            JSON.stringify({ stall: { powerLimitKw: 150 }, tariff: "DE-2017", visits: [{ vehicle: "zoe" }] })
        )
        const notJson = join(dir, "not.json")
        writeFileSync(notJson, "{ visits: ")
        const cases: [string[], RegExp][] = [
            [[], /usage: sim run/],
            [[scenario("idle-hog.json"), "--colour"], /Unknown option '--colour'/],
            [[scenario("idle-hog.json"), "--seed", "abc"], /--seed must be an integer/],
            [[scenario("idle-hog.json"), "--days", "0"], /--days must be an integer from 1/],
            [
                [scenario("busy-day.json"), "--days", "30", "--chart", join(dir, "x.svg")],
                /--chart draws at most 7 days/,
            ],
            [[join(dir, "missing.json")], /cannot read .*missing.json: ENOENT/],
            [[notJson], /not.json is not valid JSON/],
            [
                [broken],
                /broken.json: invalid scenario: \/visits\/0 must have required property 'arriveMin'.*; \/visits\/0\/vehicle must be one of: /,
            ],
        ]
        for (const [argv, message] of cases) {
            const { code, stdout, stderr } = await run(...argv)
            expect(code).toBe(2)
            expect(stdout).toBe("")
            expect(stderr).toMatch(/^sim run: /)
            expect(stderr).toMatch(message)
            expect(stderr.trimEnd().split("\n")).toHaveLength(1)
        }
    })

    it("prints its help on stdout with every option, and exits 0", async () => {
        for (const flag of ["--help", "-h"]) {
            const { code, stdout, stderr } = await run(scenario("idle-hog.json"), "--days", "2", flag)
            expect(code).toBe(0)
            expect(stderr).toBe("")
            expect(stdout).toMatch(/^sim run: .+\n\nusage: sim run SCENARIO.json \[options\]\n/)
            for (const option of [
                "--json",
                "--chart FILE.svg",
                "--trace-out FILE.json",
                "--seed N",
                "--days N",
                "-h, --help",
            ])
                expect(stdout).toMatch(new RegExp(`^  ${option.replace(/[.]/g, "\\.")}  `, "m"))
            expect(stdout).toContain("(default: 1)")
            expect(stdout).toContain("FILE-<stall>.svg")
            expect(stdout).toMatch(/examples:\n  npm run --silent sim -- run /)
        }
    })

    it("announces each file on stderr, and keeps stdout exactly the JSON", async () => {
        const dir = tmp()
        const { code, stdout, stderr } = await run(
            scenario("paired-stalls.json"),
            "--json",
            "--trace-out",
            join(dir, "t.json"),
            "--chart",
            join(dir, "c.svg")
        )
        expect(code).toBe(0)
        expect(stdout.endsWith("}\n") && stdout.indexOf("\n") === stdout.length - 1).toBe(true)
        expect(JSON.parse(stdout).stalls).toHaveLength(2)
        const ids = scenarioToTraces(loadShipped("paired-stalls.json"), { seed: 1 }).map((t) => t.stallId)
        const expected = ["trace", "chart"].flatMap((what) =>
            ids.map(
                (id) =>
                    `wrote ${join(dir, `${what === "trace" ? "t" : "c"}-${id}.${what === "trace" ? "json" : "svg"}`)} (${what} of stall ${id}, one file per stall of the 2)`
            )
        )
        expect(stderr.trimEnd().split("\n")).toEqual(expected)
    })

    it("names the one file of a single stall without a stall suffix", async () => {
        const dir = tmp()
        const { code, stderr } = await run(scenario("idle-hog.json"), "--chart", join(dir, "c.svg"))
        expect(code).toBe(0)
        expect(stderr).toBe(`wrote ${join(dir, "c.svg")} (chart of stall DE-2B)\n`)
        expect(existsSync(join(dir, "c.svg"))).toBe(true)
    })
})

describe("sim run, streamed", () => {
    it("writes the materialised trace and its replay's records, for random scenarios, seeds and days", async () => {
        const dir = tmp()
        await fc.assert(
            fc.asyncProperty(
                arbScenario(),
                fc.integer({ min: 0, max: 0xffffffff }),
                fc.integer({ min: 1, max: 2 }),
                async (sc, seed, days) => {
                    const file = join(dir, "sc.json")
                    writeFileSync(file, JSON.stringify(sc))
                    const argv = [file, "--seed", `${seed}`, "--days", `${days}`, "--json"]
                    const { code, stdout } = await run(...argv, "--trace-out", join(dir, "t.json"))
                    expect(code).toBe(0)
                    const traces = scenarioToTraces(sc, { seed, days, everyDay: true })
                    const out = JSON.parse(stdout)
                    traces.forEach(({ stallId, trace }, i) => {
                        const path = join(dir, traces.length > 1 ? `t-${stallId}.json` : "t.json")
                        expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(JSON.parse(JSON.stringify(trace)))
                        const records = replayTrace(trace).filter((o) => o.type === "session")
                        expect(out.stalls[i].sessions).toEqual(records)
                    })
                }
            ),
            { numRuns: 6 }
        )
    })
})

describe("progress", () => {
    it("logs every 10 % when not on a terminal", () => {
        const out = capture(false)
        const p = createProgress(1000, "sim", out.writer, { now: () => 0 })
        for (let i = 0; i <= 1000; i += 50) p.update(i)
        p.finish()
        const lines = out.text().trimEnd().split("\n")
        expect(lines.map((l) => l.match(/(\d+)%/)![1])).toEqual([
            "10",
            "20",
            "30",
            "40",
            "50",
            "60",
            "70",
            "80",
            "90",
            "100",
        ])
        expect(out.text()).not.toContain("\r")
    })

    it("redraws a bar on a terminal, throttled", () => {
        const out = capture(true)
        let now = 0
        const p = createProgress(100, "sim", out.writer, { now: () => now })
        p.update(10)
        p.update(20)
        now = 200
        p.update(50)
        p.finish()
        const draws = out.text().split("\r").filter(Boolean)
        expect(draws).toHaveLength(3)
        expect(draws[1]).toContain(`[${"#".repeat(15)}${"-".repeat(15)}]  50%`)
    })
})
