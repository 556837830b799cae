// `sim <command> …`: each command's module is loaded only when it runs (live and
// fleet bring MQTT, aedes and jacdac-ts: ~0.4 s), or for `sim --help`.
import { closest, helpHint, processIo, wantsHelp, type CommandIo } from "./commands/args"

interface Command {
    /** the one-line summary `sim --help` shows (the command's CommandSpec.summary) */
    summary(): Promise<string>
    main(argv: string[], io: CommandIo): Promise<number>
}

const COMMANDS: Record<string, Command> = {
    run: {
        summary: async () => (await import("./commands/run")).RUN_COMMAND.summary,
        main: async (argv, io) => (await import("./commands/run")).runCommand(argv, io),
    },
    replay: {
        summary: async () => (await import("./commands/replay")).REPLAY_COMMAND.summary,
        main: async (argv, io) => (await import("./commands/replay")).replayCommand(argv, io),
    },
    live: {
        summary: async () => (await import("./commands/live")).LIVE_COMMAND.summary,
        main: async (argv, io) => (await import("./commands/live")).liveCommand(argv, io),
    },
    fleet: {
        summary: async () => (await import("./commands/fleet")).FLEET_COMMAND.summary,
        main: async (argv, io) => (await import("./commands/fleet")).fleetCommand(argv, io),
    },
    sensors: {
        summary: async () => (await import("./commands/sensors")).SENSORS_COMMAND.summary,
        main: async (argv, io) => (await import("./commands/sensors")).sensorsCommand(argv, io),
    },
    backend: {
        summary: async () => (await import("./commands/backend")).BACKEND_COMMAND.summary,
        main: async (argv, io) => (await import("./commands/backend")).backendCommand(argv, io),
    },
    trip: {
        summary: async () => (await import("./commands/trip")).TRIP_COMMAND.summary,
        main: async (argv, io) => (await import("./commands/trip")).tripCommand(argv, io),
    },
}

const EXAMPLES = [
    "npm run --silent sim -- run sim/scenarios/idle-hog.json",
    "npm run --silent sim -- replay test/vectors/02-de-idle-over-grace.json",
    "npm start                    # sim live sim/scenarios/demo-timelapse.json",
]

async function helpText(): Promise<string> {
    const names = Object.keys(COMMANDS)
    const width = Math.max(...names.map((n) => n.length)) + 2
    const lines = await Promise.all(names.map(async (n) => `  ${n.padEnd(width)}${await COMMANDS[n].summary()}`))
    return [
        "sim: the stall controller's simulator, on the billing core of src/core",
        "usage: sim <command> [options]   (in the repository: npm run --silent sim -- <command> [options])",
        ["commands:", ...lines].join("\n"),
        "Run 'sim <command> --help' for a command's arguments, options and examples.",
        ["examples:", ...EXAMPLES.map((e) => "  " + e)].join("\n"),
    ].join("\n\n")
}

async function main(argv: string[], io: CommandIo): Promise<number> {
    const [name, ...rest] = argv
    if (name !== undefined && Object.hasOwn(COMMANDS, name)) return COMMANDS[name].main(rest, io)
    if (name !== undefined && wantsHelp([name])) {
        io.stdout.write((await helpText()) + "\n")
        return 0
    }
    const close = name === undefined ? undefined : closest(name, Object.keys(COMMANDS))
    const what =
        name === undefined
            ? "missing command"
            : `unknown command '${name}'; ${close ? `did you mean '${close}'?` : `commands: ${Object.keys(COMMANDS).join(", ")}`}`
    io.stderr.write(`sim: ${what} ${helpHint()}\n`)
    return 2
}

main(process.argv.slice(2), processIo()).then(
    (code) => {
        process.exitCode = code
    },
    (e) => {
        process.stderr.write(`sim: ${e instanceof Error ? e.message : String(e)}\n`)
        process.exitCode = 1
    }
)
