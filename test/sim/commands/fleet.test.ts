import { describe, expect, it } from "vitest"
import { fleetCommand } from "../../../sim/commands/fleet"
import { captureIo, closedPort } from "./capture"

// The command line only: runs of the fleet are in test/sim/fleet/fleet.test.ts.
async function fleet(...argv: string[]) {
    const c = captureIo()
    const code = await fleetCommand(argv, c.io)
    return { code, stdout: c.stdout(), stderr: c.stderr() }
}

const USAGE = "usage: sim fleet --stalls N --minutes M [options]"

describe("sim fleet's command line", () => {
    it("prints its help on stdout and exits 0", async () => {
        const { code, stdout, stderr } = await fleet("--stalls", "5", "--help")
        expect(code).toBe(0)
        expect(stderr).toBe("")
        expect(stdout).toMatch(new RegExp(`^sim fleet: .+\\n\\n${USAGE.replace(/[[\]]/g, "\\$&")}\\n`))
        for (const option of [
            "--stalls N",
            "--minutes M",
            "--speed S",
            "--broker URL",
            "--scenario FILE.json",
            "--json",
            "--seed N",
            "--web [PORT]",
        ])
            expect(stdout).toMatch(new RegExp(`^  ${option.replace(/[.[\]]/g, "\\$&")}  `, "m"))
        expect(stdout).toContain("(default: 60)")
        expect(stdout).toMatch(/examples:\n  npm run --silent sim -- fleet /)
    })

    // moved from test/sim/fleet/fleet.test.ts ("exit code 2 and one line"), now with the --help hint
    it.each([
        [[], `missing --stalls N; ${USAGE}`],
        [["--stalls", "5"], `missing --minutes M; ${USAGE}`],
        [["--stalls", "0", "--minutes", "1"], '--stalls must be an integer from 1 to 10000, got "0"'],
        [["--stalls", "-3", "--minutes", "1"], '--stalls must be an integer from 1 to 10000, got "-3"'],
        [
            ["--stalls", "2", "--minutes", "1", "--speed", "-1"],
            '--speed must be a number from 0.1 to 1000000, got "-1"',
        ],
        [
            ["--stalls", "2", "--minutes", "1", "--broker", "localhost"],
            '--broker must be a URL like mqtt://host:1883, got "localhost"',
        ],
        [["--stalls", "2", "--minutes", "1", "extra"], `unexpected argument 'extra'; ${USAGE}`],
        [["--stall", "2", "--minutes", "1"], "Unknown option '--stall'; did you mean '--stalls'?"],
        [["--stalls", "2", "--minutes", "1", "--web=http"], '--web must be an integer from 0 to 65535, got "http"'],
        [
            ["--stalls", "2", "--minutes", "1", "--workers", "2", "--db", "sqlite:x.db", "--web"],
            "--web shows a fleet in one process: leave out --workers",
        ],
    ])("refuses %j: one line, the hint, exit 2", async (argv, message) => {
        const { code, stdout, stderr } = await fleet(...argv)
        expect(code).toBe(2)
        expect(stdout).toBe("")
        expect(stderr).toBe(`sim fleet: ${message} (see 'sim fleet --help')\n`)
    })

    it("refuses a missing scenario in one line, exit 2", async () => {
        const { code, stdout, stderr } = await fleet("--stalls", "2", "--minutes", "1", "--scenario", "missing.json")
        expect(code).toBe(2)
        expect(stdout).toBe("")
        expect(stderr).toMatch(/^sim fleet: cannot read .*missing.json: ENOENT[^\n]*\n$/)
    })

    it("says which broker it could not reach, why, and what to do", async () => {
        const port = await closedPort()
        const url = `mqtt://127.0.0.1:${port}`
        const { code, stdout, stderr } = await fleet("--stalls", "2", "--minutes", "1", "--broker", url)
        expect(code).toBe(1)
        expect(stdout).toBe("")
        expect(stderr).toBe(
            `sim fleet: cannot reach the MQTT broker at ${url}: connection refused (ECONNREFUSED): nothing listens on 127.0.0.1:${port}; ` +
                `start one there (e.g. mosquitto -p ${port}) or omit --broker to use the embedded aedes\n`
        )
    })
})
