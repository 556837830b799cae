import { join } from "node:path"
import { afterEach, describe, expect, it, vi } from "vitest"
import { liveCommand } from "../../../sim/commands/live"
import { JDBus, routeJacdacLog } from "../../../sim/live/jacdac"
import { SCENARIO_DIR } from "../helpers"
import { captureIo, closedPort } from "./capture"

// Only what fails before anything starts: no devtools hub, VM or broker here.
async function live(...argv: string[]) {
    const c = captureIo()
    const code = await liveCommand(argv, c.io)
    return { code, stdout: c.stdout(), stderr: c.stderr() }
}

const scenario = (name: string) => join(SCENARIO_DIR, name)

describe("sim live, before it starts anything", () => {
    it("prints its help on stdout and exits 0", async () => {
        const { code, stdout, stderr } = await live("--help")
        expect(code).toBe(0)
        expect(stderr).toBe("")
        expect(stdout).toMatch(/^sim live: .+\n\nusage: sim live SCENARIO.json \[options\]\n/)
        for (const option of [
            "--broker mqtt://HOST:PORT",
            "--trace-out FILE.json",
            "--seed N",
            "--verbose",
            "-h, --help",
        ])
            expect(stdout).toMatch(new RegExp(`^  ${option.replace(/[.]/g, "\\.")}  `, "m"))
        expect(stdout).toContain("(default: an embedded aedes on a free port)")
        expect(stdout).toMatch(/examples:\n  npm run --silent sim -- live /)
        expect((await live("-h")).stdout).toBe(stdout)
    })

    it.each([
        [["--brokr", "mqtt://x:1", "a.json"], "Unknown option '--brokr'; did you mean '--broker'?"],
        [[], "missing SCENARIO.json; usage: sim live SCENARIO.json [options]"],
        [["a.json", "--seed", "-1"], '--seed must be an integer from 0 to 4294967295, got "-1"'],
        [["a.json", "--broker", "localhost:1883"], '--broker must be mqtt://host:port, got "localhost:1883"'],
    ])("refuses %j with one line, the hint, exit 2", async (argv, message) => {
        const { code, stdout, stderr } = await live(...argv)
        expect(code).toBe(2)
        expect(stdout).toBe("")
        expect(stderr).toBe(`sim live: ${message} (see 'sim live --help')\n`)
    })

    it("refuses a pair of stalls in one line", async () => {
        const { code, stderr } = await live(scenario("paired-stalls.json"))
        expect(code).toBe(2)
        expect(stderr).toMatch(/^sim live: .*paired-stalls.json: sim live runs one stall; .*\(use sim run\)\n$/)
    })

    it("says which broker it could not reach, why, and what to do", async () => {
        const url = `mqtt://127.0.0.1:${await closedPort()}`
        const { code, stdout, stderr } = await live(scenario("idle-hog.json"), "--broker", url)
        expect(code).toBe(1)
        expect(stdout).toBe("")
        expect(stderr).toBe(
            `sim live: cannot reach the MQTT broker at ${url}: connection refused (ECONNREFUSED): nothing listens on 127.0.0.1:${new URL(url).port}; ` +
                `start one there (e.g. mosquitto -p ${new URL(url).port}) or omit --broker to use the embedded aedes\n`
        )
    })
})

describe("jacdac-ts' debug log", () => {
    afterEach(() => routeJacdacLog(null))

    it("is dropped from the first import of sim/live/jacdac on", async () => {
        const before = console.debug
        const shown = vi.fn()
        console.debug = shown
        try {
            vi.resetModules()
            const fresh = await import("../../../sim/live/jacdac")
            await new fresh.JDBus([], { client: false, disableRoleManager: true }).dispose()
            expect(shown).not.toHaveBeenCalled()
        } finally {
            console.debug = before
        }
    })

    it("goes to the sink routeJacdacLog is given, until it is given null", async () => {
        const lines: string[] = []
        routeJacdacLog((l) => lines.push(l))
        await new JDBus([], { client: false, disableRoleManager: true }).dispose()
        expect(lines).toEqual(["bus: disposing."])

        routeJacdacLog(null)
        await new JDBus([], { client: false, disableRoleManager: true }).dispose()
        expect(lines).toHaveLength(1)
    })
})
