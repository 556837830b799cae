import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { sensorsCommand } from "../../../sim/commands/sensors"
import { KEYS_HELP } from "../../../sim/commands/sensors-keys"
import { SCENARIO_DIR } from "../helpers"
import { captureIo, closedPort } from "./capture"

// Only what fails before anything is served: no devtools hub here.
async function sensors(...argv: string[]) {
    const c = captureIo()
    const stdin = new PassThrough()
    stdin.end()
    const code = await sensorsCommand(argv, c.io, stdin)
    return { code, stdout: c.stdout(), stderr: c.stderr() }
}

const scenario = (name: string) => join(SCENARIO_DIR, name)

function envFile(text: string): string {
    const path = join(mkdtempSync(join(tmpdir(), "sim-sensors-")), ".env.local")
    writeFileSync(path, text)
    return path
}

describe("sim sensors, before it serves anything", () => {
    it("prints its help on stdout, both modes with examples, and exits 0", async () => {
        const { code, stdout, stderr } = await sensors("--help")
        expect(code).toBe(0)
        expect(stderr).toBe("")
        expect(stdout).toMatch(/^sim sensors: .+\n\nusage: sim sensors \[SCENARIO.json\] \[options\]\n/)
        for (const option of [
            "--interactive",
            "--port N",
            "--env FILE",
            "--broker mqtt://HOST:PORT",
            "--stall ID",
            "--prefix PREFIX",
            "--seed N",
            "-h, --help",
        ])
            expect(stdout).toMatch(new RegExp(`^  ${option.replace(/[.]/g, "\\.")}  `, "m"))
        expect(stdout).toMatch(/^Scenario mode: /m)
        expect(stdout).toMatch(/^Interactive mode: /m)
        for (const k of KEYS_HELP) expect(stdout).toContain(`\n  ${k}\n`)
        expect(stdout).toContain("(default: 8082)")
        expect(stdout.replace(/\s+/g, " ")).toContain("(default: STALL_ID of --env, else stall-1)")
        expect(stdout).toMatch(/examples:\n  npm run --silent sim -- sensors\n/)
        expect(stdout).toMatch(/^  npm run --silent sim -- sensors sim\/scenarios\/\S+\.json/m)
        expect((await sensors("-h")).stdout).toBe(stdout)
    })

    it.each([
        [["--prot", "1"], "Unknown option '--prot'; did you mean '--port'?"],
        [["--port", "0"], '--port must be an integer from 1 to 65535, got "0"'],
        [["--port", "80a"], '--port must be an integer from 1 to 65535, got "80a"'],
        [["--port"], "option '--port' needs a value: --port N"],
        [["a.json", "b.json"], "unexpected argument 'b.json'; usage: sim sensors [SCENARIO.json] [options]"],
        [["a.json", "--interactive"], "--interactive takes no SCENARIO.json, got 'a.json'"],
        [["--broker", "mqtt://127.0.0.1:1883"], "--broker publishes a scenario's commands: it needs a SCENARIO.json"],
        [["a.json", "--broker", "localhost:1883"], '--broker must be mqtt://host:port, got "localhost:1883"'],
        [["--stall", "a/b"], '--stall must be a topic level (A-Z a-z 0-9 _ -, 1 to 32 characters), got "a/b"'],
        [["--prefix="], '--prefix must be a topic level (A-Z a-z 0-9 _ -, 1 to 32 characters), got ""'],
        [["a.json", "--seed", "-1"], '--seed must be an integer from 0 to 4294967295, got "-1"'],
    ])("refuses %j with one line, the hint, exit 2", async (argv, message) => {
        const { code, stdout, stderr } = await sensors(...argv)
        expect(code).toBe(2)
        expect(stdout).toBe("")
        expect(stderr).toBe(`sim sensors: ${message} (see 'sim sensors --help')\n`)
    })

    it.each([
        [["missing-scenario.json"], "cannot read missing-scenario.json: ENOENT"],
        [["--env", "/nonexistent/.env.local"], "cannot read /nonexistent/.env.local: ENOENT"],
    ])("names the file it cannot read, exit 2: %j", async (argv, message) => {
        const { code, stdout, stderr } = await sensors(...argv)
        expect(code).toBe(2)
        expect(stdout).toBe("")
        expect(stderr).toBe(`sim sensors: ${message}\n`)
    })

    it("refuses a settings file the stall would reject, naming each setting", async () => {
        const path = envFile('V_GAIN=-5\nI_GAIN="x"\nCP_GAIN=24\n')
        const { code, stderr } = await sensors("--env", path)
        expect(code).toBe(2)
        expect(stderr).toBe(
            `sim sensors: ${path} has settings the stall rejects: V_GAIN invalid, using default; I_GAIN invalid, using default\n`
        )
    })

    it("refuses a pair of stalls in one line", async () => {
        const { code, stderr } = await sensors(scenario("paired-stalls.json"))
        expect(code).toBe(2)
        expect(stderr).toMatch(/^sim sensors: .*paired-stalls.json: sim sensors serves one stall; .*\n$/)
    })

    it.each([[[]], [["--interactive"]], [[scenario("idle-hog.json")]]])(
        "%j without a hub on the port: exit 2, one line saying what to start",
        async (argv) => {
            const port = await closedPort()
            const { code, stdout, stderr } = await sensors(...argv, "--port", String(port))
            expect(code).toBe(2)
            expect(stdout).toBe("")
            expect(stderr).toBe(
                `sim sensors: no devtools hub on tcp 127.0.0.1:${port}; start one first: the VS Code DeviceScript simulator, or npx devicescript devtools src/main.ts\n`
            )
        }
    )

    it("with a valid settings file, gets as far as the hub", async () => {
        const path = envFile("V_GAIN=200\nSTALL_ID=bay-7\nTARIFF=V3-4TIER\n# a comment line, dropped\n")
        const port = await closedPort()
        const { code, stderr } = await sensors("--env", path, "--port", String(port))
        expect(code).toBe(2)
        expect(stderr).toMatch(/^sim sensors: no devtools hub on tcp/)
    })
})

describe("sim sensors --broker", () => {
    it("says which broker it could not reach, why, and what omitting --broker does; exit 1", async () => {
        const port = await closedPort()
        const url = `mqtt://127.0.0.1:${port}`
        const { code, stdout, stderr } = await sensors(scenario("idle-hog.json"), "--broker", url)
        expect(code).toBe(1)
        expect(stdout).toBe("")
        expect(stderr).toBe(
            `sim sensors: cannot reach the MQTT broker at ${url}: connection refused (ECONNREFUSED): nothing listens on 127.0.0.1:${port}; ` +
                `start one there (e.g. mosquitto -p ${port}) or omit --broker to print the commands\n`
        )
    })
})
