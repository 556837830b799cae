import { spawnSync } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, test } from "vitest"
import { ROOT } from "../../helpers/devs"

// `npm run --silent sim -- …` as a newcomer types it
function sim(...args: string[]) {
    return spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "sim", "cli.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
    })
}

describe("sim", () => {
    test("--help lists every command with its summary, on stdout, exit 0", () => {
        for (const flag of ["--help", "-h"]) {
            const r = sim(flag)
            expect(r.status).toBe(0)
            expect(r.stderr).toBe("")
            expect(r.stdout).toMatch(/^sim: .+\n\nusage: sim <command> \[options\]/)
            for (const command of ["run", "replay", "live", "fleet", "sensors"])
                expect(r.stdout).toMatch(new RegExp(`^  ${command} +\\S`, "m"))
            expect(r.stdout).toContain("Run 'sim <command> --help'")
        }
    })

    test.each([
        [[], "sim: missing command"],
        [
            ["frobnicate"],
            "sim: unknown command 'frobnicate'; commands: run, replay, live, fleet, sensors, backend, trip",
        ],
        [["rnu"], "sim: unknown command 'rnu'; did you mean 'run'?"],
        [["--json"], "sim: unknown command '--json'; commands: run, replay, live, fleet, sensors, backend, trip"],
    ])("%j is one line, the hint, exit 2", (argv, message) => {
        const r = sim(...argv)
        expect(r.status).toBe(2)
        expect(r.stdout).toBe("")
        expect(r.stderr).toBe(`${message} (see 'sim --help')\n`)
    })

    test.each(["run", "live", "fleet", "sensors", "backend"])(
        "sim %s --help prints that command's help, exit 0",
        (command) => {
            const r = sim(command, "--help")
            expect(r.status).toBe(0)
            expect(r.stderr).toBe("")
            expect(r.stdout).toMatch(new RegExp(`^sim ${command}: .+\\n\\nusage: sim ${command} `))
            expect(r.stdout).toMatch(/\noptions:\n/)
            expect(r.stdout).toMatch(/\nexamples:\n  npm run --silent sim -- /)
        }
    )

    test("run --json keeps stdout exactly the JSON, the files written said on stderr", () => {
        const dir = mkdtempSync(join(tmpdir(), "sim-cli-"))
        const chart = join(dir, "paired.svg")
        const r = sim("run", join(ROOT, "sim", "scenarios", "paired-stalls.json"), "--json", "--chart", chart)
        expect(r.status).toBe(0)
        expect(r.stdout.trimEnd().split("\n")).toHaveLength(1)
        expect(JSON.parse(r.stdout).stalls).toHaveLength(2)
        const lines = r.stderr.trimEnd().split("\n")
        expect(lines).toHaveLength(2)
        for (const line of lines)
            expect(line).toMatch(
                new RegExp(`^wrote ${dir}/paired-\\w+\\.svg \\(chart of stall \\w+, one file per stall of the 2\\)$`)
            )
    })
})
