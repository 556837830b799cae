// `sim sensors [SCENARIO]`: the stall's sensors served from Node onto a devtools hub
// that already runs (the VS Code DeviceScript simulator's, or `devicescript devtools`),
// so a stall there (the VM, the simulator) reads them: following a scenario in real
// time, or set by keys. Never starts a hub: one per machine, and it is the user's.
import mqtt from "mqtt"
import { presetTariff } from "../../src/core/billing/index"
import {
    calibrated,
    calibrationOf,
    defaultSettings,
    SETTINGS,
    settingsFrom,
    validSetting,
    type StallSettings,
} from "../../src/core/stall/index"
import { DEVTOOLS_TCP_PORT } from "../live/devtools"
import { portAccepts } from "../live/ports"
import { RAW_RANGE, Sensors } from "../live/sensors"
import { scenarioToTraces, type Trace } from "../scenario/scenario"
import {
    defineCommand,
    InputError,
    numberArg,
    processIo,
    runCommandLine,
    UsageError,
    type CommandIo,
    type ParsedArgs,
} from "./args"
import { readEnvFile } from "./env-file"
import { readKeys, type KeyInput } from "./key-input"
import { brokerRefusal } from "./reach-broker"
import { loadScenario } from "./run"
import { followTrace } from "./sensors-play"
import { initialInputs, KEYS_HELP, pressKey, statusLine, type StallInputs } from "./sensors-keys"

/** the bus voltage while a car is plugged in (interactive mode) */
const BUS_VOLTS = 400

const DEFAULTS = defaultSettings()

export const SENSORS_COMMAND = defineCommand({
    name: "sensors",
    summary: "serve the stall's meter and pilot on a running devtools hub, from a scenario in real time or from keys",
    positionals: [
        {
            name: "SCENARIO.json",
            description: "scenario mode: one stall's visits (sim/scenarios/*.json); without it, interactive mode",
            optional: true,
        },
    ],
    options: {
        interactive: {
            description: "interactive mode: keys from stdin set the sensors (the default without a scenario)",
        },
        port: {
            value: "N",
            description:
                "TCP port of the devtools hub, which must already run (the VS Code DeviceScript extension's, or npx devicescript devtools)",
            default: String(DEVTOOLS_TCP_PORT),
        },
        env: {
            value: "FILE",
            description:
                "the stall's settings, KEY=VALUE lines as in .env.local: the calibration (V_GAIN, V_OFFSET, I_GAIN, I_OFFSET, CP_GAIN, CP_OFFSET), STALL_ID, TOPIC_PREFIX, TARIFF",
            default: "the settings table's defaults",
        },
        broker: {
            value: "mqtt://HOST:PORT",
            description: "scenario mode: publish the scenario's commands (authorize, tariff) to this broker",
            default: "print them, one line each",
        },
        stall: {
            value: "ID",
            description: "the stall id in the command topics",
            default: `STALL_ID of --env, else ${DEFAULTS.stallId}`,
        },
        prefix: {
            value: "PREFIX",
            description: "the topic prefix of the command topics",
            default: `TOPIC_PREFIX of --env, else ${DEFAULTS.topicPrefix}`,
        },
        seed: { value: "N", description: "seed of the scenario's random variations, 0 to 4294967295", default: "1" },
    },
    notes: [
        "Scenario mode: the scenario's samples become the sensors' readings in real time, with a progress line (time, pilot, kW) at each pilot change and every 10 s. What sensors cannot do is one line each: the command topic and JSON body to publish (authorize, a tariff the stall does not have), the moment to power the stall off and on (a reboot). Exits 0 at the end.",
        `Interactive mode: one key, one action, then a status line (pilot, V, A, kW, the tier of the stall's tariff). The bus is at ${BUS_VOLTS} V while plugged in. On a terminal single keys work (no Enter); from a pipe the same characters, whitespace ignored.`,
        ["keys:", ...KEYS_HELP.map((k) => "  " + k)],
        "The sensors serve the raw readings the stall's calibration maps back to these values (defaults: 0-7 V -> 0-700 V, 0-1 A -> 0-1000 A, potentiometer 0-1 -> -12..+12 V on the pilot). It never starts a hub: start the VS Code DeviceScript simulator, or npx devicescript devtools src/main.ts, first.",
    ],
    examples: [
        "npm run --silent sim -- sensors",
        "(printf b; sleep 5; printf 7c; sleep 90; printf b; sleep 30; printf a) | npm run --silent sim -- sensors",
        "npm run --silent sim -- sensors --env .env.local --port 8082",
        "npm run --silent sim -- sensors sim/scenarios/demo-timelapse.json",
        "npm run --silent sim -- sensors sim/scenarios/idle-hog.json --broker mqtt://127.0.0.1:1883",
    ],
})

interface SensorsArgs {
    scenarioPath: string | null
    port: number
    settings: StallSettings
    broker: string | null
    seed: number
}

const specOf = (key: string) => SETTINGS.find((s) => s.key === key)!

function levelArg(name: string, value: string | undefined, key: string): string | undefined {
    if (value !== undefined && !validSetting(specOf(key), value))
        throw new UsageError(`--${name} must be a topic level (A-Z a-z 0-9 _ -, 1 to 32 characters), got "${value}"`)
    return value
}

/** --env's settings (refused when the stall would reject any), then --stall and --prefix. */
function stallSettings(envPath: string | undefined, stall?: string, prefix?: string): StallSettings {
    let raw: Record<string, unknown> = {}
    if (envPath !== undefined) {
        try {
            raw = readEnvFile(envPath)
        } catch (e) {
            throw new InputError((e as Error).message)
        }
        const { problems } = settingsFrom(raw)
        if (problems.length) throw new InputError(`${envPath} has settings the stall rejects: ${problems.join("; ")}`)
    }
    if (stall !== undefined) raw.STALL_ID = stall
    if (prefix !== undefined) raw.TOPIC_PREFIX = prefix
    return settingsFrom(raw).settings
}

function sensorsArgs({ values, positionals }: ParsedArgs<typeof SENSORS_COMMAND>): SensorsArgs {
    const scenarioPath = positionals[0] ?? null
    if (values.interactive && scenarioPath !== null)
        throw new UsageError(`--interactive takes no SCENARIO.json, got '${scenarioPath}'`)
    if (values.broker !== undefined && !/^mqtt:\/\/[^/]+$/.test(values.broker))
        throw new UsageError(`--broker must be mqtt://host:port, got "${values.broker}"`)
    if (values.broker !== undefined && scenarioPath === null)
        throw new UsageError("--broker publishes a scenario's commands: it needs a SCENARIO.json")
    const port = numberArg("port", values.port, 1, 65535) ?? DEVTOOLS_TCP_PORT
    const seed = numberArg("seed", values.seed, 0, 0xffffffff) ?? 1
    const stall = levelArg("stall", values.stall, "STALL_ID")
    const prefix = levelArg("prefix", values.prefix, "TOPIC_PREFIX")
    const settings = stallSettings(values.env, stall, prefix)
    return { scenarioPath, port, settings, broker: values.broker ?? null, seed }
}

export function sensorsCommand(argv: string[], io: CommandIo = processIo(), input: KeyInput = process.stdin) {
    return runCommandLine(SENSORS_COMMAND, argv, io, async (parsed) => {
        const args = sensorsArgs(parsed)
        const traces =
            args.scenarioPath === null ? null : scenarioToTraces(loadScenario(args.scenarioPath), { seed: args.seed })
        if (traces && traces.length !== 1)
            throw new InputError(`${args.scenarioPath}: sim sensors serves one stall; this scenario has a pair`)
        const unreachable = args.broker ? await brokerRefusal(args.broker, undefined, "to print the commands") : null
        if (unreachable) {
            io.stderr.write(`sim sensors: ${unreachable}\n`)
            return 1
        }
        if (!(await portAccepts(args.port))) {
            io.stderr.write(
                `sim sensors: no devtools hub on tcp 127.0.0.1:${args.port}; start one first: the VS Code DeviceScript simulator, or npx devicescript devtools src/main.ts\n`
            )
            return 2
        }
        const out = (s: string) => io.stdout.write(s + "\n")
        let sensors: Sensors
        try {
            sensors = await Sensors.start({ port: args.port, calibration: calibrationOf(args.settings) })
        } catch (e) {
            io.stderr.write(`sim sensors: cannot serve on the hub at tcp ${args.port}: ${(e as Error).message}\n`)
            return 1
        }
        try {
            out(`sim sensors: serving the stall's meter and pilot on the devtools hub at tcp ${args.port}`)
            if (traces) await scenarioMode(sensors, traces[0].trace, args, out)
            else await interactiveMode(sensors, args.settings, input, out)
        } finally {
            await sensors.close()
        }
        return 0
    })
}

async function scenarioMode(
    sensors: Sensors,
    trace: Trace,
    args: SensorsArgs,
    out: (line: string) => void
): Promise<void> {
    const client = args.broker
        ? await mqtt.connectAsync(args.broker, { connectTimeout: 5000, reconnectPeriod: 1000 }, false)
        : null
    try {
        out(
            `following ${args.scenarioPath} in real time; commands for ${args.settings.topicPrefix}/${args.settings.stallId} ` +
                (client ? `published to ${args.broker}` : "printed (--broker publishes them)")
        )
        await followTrace(sensors, trace.rows, trace.tariff, {
            prefix: args.settings.topicPrefix,
            stallId: args.settings.stallId,
            stallTariff: presetTariff(args.settings.tariffId)!,
            publish: client
                ? async (topic, payload, retain) => void (await client.publishAsync(topic, payload, { qos: 1, retain }))
                : null,
            out,
        })
    } finally {
        await client?.endAsync()
    }
}

function serve(sensors: Sensors, s: StallInputs): void {
    sensors.set({ pilot: s.pilot, volts: s.volts, amps: s.amps })
    sensors.fail(s.meter !== "ok", s.meter === "nan" ? "nan" : "silent")
}

async function interactiveMode(
    sensors: Sensors,
    settings: StallSettings,
    input: KeyInput,
    out: (line: string) => void
): Promise<void> {
    const limits = { busVolts: BUS_VOLTS, maxAmps: calibrated(RAW_RANGE.amps[1], calibrationOf(settings).amps) }
    const tariff = presetTariff(settings.tariffId)!
    const help = () => KEYS_HELP.forEach((k) => out("  " + k))
    let state = initialInputs(limits)
    serve(sensors, state)
    out(`keys from stdin${input.isTTY ? " (single keys, no Enter)" : ""}:`)
    help()
    out(`start  ${statusLine(state, tariff)}`)
    await readKeys(input, (key) => {
        const o = pressKey(state, key, limits)
        if (o.kind === "quit") return "stop"
        if (o.kind === "ignored") return
        if (o.kind === "help") help()
        if (o.kind === "changed") {
            state = o.inputs
            serve(sensors, state)
        }
        const label = o.kind === "unknown" ? `key ${JSON.stringify(key)} (unknown; h lists the keys)` : `key ${key}`
        out(`${label}  ${statusLine(state, tariff)}`)
    })
    out("quit")
}
