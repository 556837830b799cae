import { describe, expect, test } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ROOT } from "../../helpers/devs"

// The replay contract: `npm run --silent sim -- replay TRACE.json`
function sim(...args: string[]) {
    return spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "sim", "cli.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
    })
}

const dir = mkdtempSync(join(tmpdir(), "replay-cli-"))

describe("sim replay", () => {
    test("prints exactly the expected lines and nothing else", () => {
        const v = join(ROOT, "test", "vectors", "02-de-idle-over-grace")
        const r = sim("replay", v + ".json")
        expect(r.status).toBe(0)
        expect(r.stderr).toBe("")
        expect(r.stdout).toBe(readFileSync(v + ".expected.jsonl", "utf8"))
    })

    test.each([
        ["a missing file", join(dir, "nope.json"), "cannot read"],
        ["invalid JSON", "bad.json", "not valid JSON"],
        ["a wrong format", "fmt.json", "format must be"],
        ["rows that are not a list", "rows.json", "rows must be an array"],
    ])("%s is a one-line error on stderr and a non-zero exit", (_what, file, message) => {
        writeFileSync(join(dir, "bad.json"), "{ nope")
        writeFileSync(join(dir, "fmt.json"), JSON.stringify({ format: "stall-trace/2", rows: [] }))
        writeFileSync(join(dir, "rows.json"), JSON.stringify({ format: "stall-trace/1", rows: {} }))
        const r = sim("replay", file.startsWith("/") ? file : join(dir, file))
        expect(r.status).not.toBe(0)
        expect(r.stdout).toBe("")
        expect(r.stderr).toContain(message)
        expect(r.stderr.trim().split("\n")).toHaveLength(1)
    })

    test("usage errors exit non-zero", () => {
        expect(sim("replay").status).not.toBe(0)
        expect(sim("frobnicate").status).not.toBe(0)
    })
})

describe("sim replay: help, options, what it ignored, --vm", () => {
    const vector = (n: string) => join(ROOT, "test", "vectors", n)

    test("--help prints the usage on stdout and exits 0, also before a file name", () => {
        for (const args of [["--help"], ["-h"], ["--help", vector("02-de-idle-over-grace.json")]]) {
            const r = sim("replay", ...args)
            expect(r.status).toBe(0)
            expect(r.stderr).toBe("")
            expect(r.stdout).toMatch(/^sim replay: /)
            expect(r.stdout).toContain("usage: sim replay TRACE.json [options]")
            expect(r.stdout).toContain("--vm")
        }
    })

    test("an unknown option is a usage error naming the valid ones, exit 2", () => {
        const r = sim("replay", "--frobnicate", vector("02-de-idle-over-grace.json"))
        expect(r.status).toBe(2)
        expect(r.stdout).toBe("")
        expect(r.stderr).toBe(
            "sim replay: Unknown option '--frobnicate'; valid options: --vm, --help (see 'sim replay --help')\n"
        )
    })

    test("rejected rows and an unused trace tariff are counted on stderr, stdout stays the contract", () => {
        const rejected = sim("replay", vector("18-rejected-rows.json"))
        expect(rejected.status).toBe(0)
        expect(rejected.stdout).toBe(readFileSync(vector("18-rejected-rows.expected.jsonl"), "utf8"))
        expect(rejected.stderr).toMatch(/^sim replay: 4 rows rejected \(ignored, they changed nothing\):\n/)
        expect(rejected.stderr).toContain("  row 63: t went backwards\n")
        const tariff = sim("replay", vector("27-invalid-trace-tariff.json"))
        expect(tariff.status).toBe(0)
        expect(tariff.stderr).toMatch(
            /^sim replay: the trace's tariff was not used \(.+\); the default tariff applies\n$/
        )
    })

    test("--vm prints the same stdout and stderr, and the same one-line error for a bad file", () => {
        for (const name of ["18-rejected-rows.json", "27-invalid-trace-tariff.json", "07-partial-period.json"]) {
            const node = sim("replay", vector(name))
            const vm = sim("replay", "--vm", vector(name))
            expect(vm.status).toBe(0)
            expect(vm.stdout).toBe(node.stdout)
            expect(vm.stderr).toBe(node.stderr)
        }
        writeFileSync(join(dir, "bad.json"), "{ nope")
        const node = sim("replay", join(dir, "bad.json"))
        const vm = sim("replay", "--vm", join(dir, "bad.json"))
        expect(vm.status).not.toBe(0)
        expect(vm.status).toBe(node.status)
        expect(vm.stdout).toBe("")
        expect(vm.stderr).toBe(node.stderr)
        expect(vm.stderr.trim().split("\n")).toHaveLength(1)
    }, 120_000)
})
