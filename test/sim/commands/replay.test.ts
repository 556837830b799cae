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
