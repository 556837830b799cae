// `sim live SCENARIO`: the real firmware (src/main.ts) in the DeviceScript VM, its
// sensors following the scenario in real time, a real broker, and a collector that
// prints the traffic, checks every message against the schemas and every session
// record against a replay of the samples the firmware consumed.
import { writeFileSync } from "node:fs"
import { configFrom, PRESET_IDS, presetTariff, type Tariff } from "../../src/core/billing/index"
import {
    commandTopic,
    siteOccupancyTopic,
    defaultSettings,
    settingValues,
    stallTopic,
    topicKind,
    type StallSettings,
    type StallTopic,
} from "../../src/core/stall/index"
import { replayTrace } from "../../src/core/trace/index"
import { Backend } from "../backend/backend"
import { LiveChecker } from "../live/checker"
import type { Received } from "../live/collector"
import { startLive, type Live } from "../live/index"
import { routeJacdacLog } from "../live/jacdac"
import { playTrace } from "../live/player"
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
import { brokerRefusal } from "./reach-broker"
import { loadScenario } from "./run"
import { scenarioToTraces, type Trace } from "../scenario/scenario"
import { formatKwh, formatMoney, formatSession } from "../report/summary"
import { startWeb, type Web } from "../web/index"
import { WEB_OPTION, webLine, webPort } from "./web-option"

const PREFIX = "stalls"
const STALL_ID = /^[A-Za-z0-9_-]{1,32}$/
/** after the last row: time for the last records to arrive */
const SETTLE_MS = 20_000

interface LiveArgs {
    scenarioPath: string
    broker: string
    db?: string
    traceOut?: string
    seed: number
    verbose: boolean
    /** serve the site view on this port (0: a free one) */
    web?: number
}

export const LIVE_COMMAND = defineCommand({
    name: "live",
    summary:
        "run the real firmware (src/main.ts) in the DeviceScript VM against a broker, its sensors following a scenario in real time",
    positionals: [
        {
            name: "SCENARIO.json",
            description: "one stall's visits: one of sim/scenarios/*.json (a pair needs sim run)",
        },
    ],
    options: {
        broker: {
            value: "mqtt://HOST:PORT",
            description: "an MQTT broker already running, e.g. mosquitto",
            default: "an embedded aedes on a free port",
        },
        "trace-out": {
            value: "FILE.json",
            description: "write the samples the firmware consumed as a stall-trace/1 trace (for sim replay)",
        },
        seed: { value: "N", description: "seed of the scenario's random variations, 0 to 4294967295", default: "1" },
        verbose: { description: "also print the VM's console and jacdac-ts' debug log" },
        db: {
            value: "URL",
            description:
                "run the site backend (sim backend) into this database, sqlite:FILE or postgres://…: it stores and acks the records",
            default: "the command acks the records itself",
        },
        web: WEB_OPTION,
    },
    notes: [
        "Builds the firmware, starts a broker, the DeviceScript devtools hub (ports 8081-8083, one per machine) and the VM, then prints every message and checks each session record against a replay of the samples. Exit 0 when all agree.",
    ],
    examples: [
        "npm run --silent sim -- live sim/scenarios/demo-timelapse.json",
        "npm run --silent sim -- live sim/scenarios/idle-hog.json --broker mqtt://127.0.0.1:1883 --trace-out idle.json",
        "npm run --silent sim -- live sim/scenarios/demo-timelapse.json --web 8080",
    ],
})

function liveArgs({ values, positionals }: ParsedArgs<typeof LIVE_COMMAND>): LiveArgs {
    if (values.broker !== undefined && !/^mqtt:\/\/[^/]+$/.test(values.broker))
        throw new UsageError(`--broker must be mqtt://host:port, got "${values.broker}"`)
    if (values.db !== undefined && !/^sqlite:.+|^postgres(ql)?:\/\/.+/.test(values.db))
        throw new UsageError(`--db must be sqlite:FILE or postgres://…, got "${values.db}"`)
    return {
        scenarioPath: positionals[0],
        broker: values.broker ?? "aedes",
        db: values.db,
        traceOut: values["trace-out"],
        seed: numberArg("seed", values.seed, 0, 0xffffffff) ?? 1,
        verbose: values.verbose ?? false,
        web: webPort(values.web),
    }
}

function samePreset(t: Tariff): boolean {
    return PRESET_IDS.includes(t.id) && JSON.stringify(presetTariff(t.id)) === JSON.stringify(t)
}

/** The scenario's config and tariff as the stall's settings (the table in src/core/stall/settings.ts). */
function settingsFor(trace: Trace, stallId: string, port: number): StallSettings {
    return {
        ...defaultSettings(),
        stallId,
        mqttPort: port,
        topicPrefix: PREFIX,
        tariffId: samePreset(trace.tariff) ? trace.tariff.id : defaultSettings().tariffId,
        tap: true,
        sampleMs: 1000,
        telemetryMs: 5000,
        core: configFrom(trace.config),
    }
}

/** One readable line per message. */
function describe(m: Received, stallId: string): string | null {
    const kind = topicKind(m.topic, PREFIX, stallId) ?? ""
    const j = m.json as any
    if (kind === "echo" || kind === "tap" || !j) return null
    if (kind === "status")
        return `status     ${j.state}${j.sessionId ? "  " + j.sessionId : ""}${j.faultReason ? "  (" + j.faultReason + ")" : ""}`
    if (kind === "telemetry")
        return j.sessionId
            ? `telemetry  ${j.state} ${(j.powerW / 1000).toFixed(1)} kW · ${formatKwh(j.energyWh)} · tier ${j.tier < 0 ? "-" : j.tier + 1} · idle ${Math.round(j.idleMs / 1000)} s · ${formatMoney(j.costMinor, j.currency)}`
            : null
    if (kind === "event") return `event      ${j.kind}: ${j.detail}`
    if (kind === "session")
        return `session    ${j.sessionId} · ${formatKwh(j.energyWh)} · ${formatMoney(j.cost.totalMinor, j.currency)}`
    if (kind.startsWith("cmd/")) return `command    ${kind.slice(4)} ${m.payload.slice(0, 80)}`
    return null
}

export function liveCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
    return runCommandLine(LIVE_COMMAND, argv, io, async (parsed) => {
        const args = liveArgs(parsed)
        const traces = scenarioToTraces(loadScenario(args.scenarioPath), { seed: args.seed })
        if (traces.length !== 1)
            throw new InputError(
                `${args.scenarioPath}: sim live runs one stall; this scenario has a pair (use sim run)`
            )
        const { trace, stallId } = traces[0]
        if (!STALL_ID.test(stallId)) throw new InputError(`stall id "${stallId}" is not a valid topic level`)
        const unreachable = args.broker === "aedes" ? null : await brokerRefusal(args.broker)
        if (unreachable) {
            io.stderr.write(`sim live: ${unreachable}\n`)
            return 1
        }
        return runLive(args, trace, stallId, io)
    })
}

async function runLive(args: LiveArgs, trace: Trace, stallId: string, io: CommandIo): Promise<number> {
    const out = (s: string) => io.stdout.write(s + "\n")
    const topic = (kind: StallTopic) => stallTopic(PREFIX, stallId, kind)
    const started = Date.now()
    const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`
    const expectedRecords = replayTrace(trace).filter((o) => o.type === "session").length

    let web: Web | undefined
    if (args.web !== undefined) {
        try {
            web = await startWeb({
                port: args.web,
                title: `sim live · stall ${stallId} · ${args.scenarioPath.split("/").pop()}`,
                prefix: PREFIX,
                tariff: trace.tariff,
                storing: args.db !== undefined,
            })
        } catch (e) {
            io.stderr.write(`sim live: --web: ${(e as Error).message}\n`)
            return 1
        }
        out(webLine(web.url))
    }
    out(
        `sim live: ${args.scenarioPath} · stall ${stallId} · broker ${args.broker} · firmware src/main.ts in the DeviceScript VM`
    )
    const progress = (s: string) => out(`${stamp()} start      ${s}`)
    routeJacdacLog(args.verbose ? (l) => out(`${stamp()} jacdac     ${l}`) : null)
    let live: Live | undefined
    let site: Backend | undefined
    let outcome = "stopped by an error"
    try {
        live = await startLive({
            broker: args.broker,
            onStep: progress,
            onBroker: async (b) => await web?.attach(b.url),
            settings: (b) => settingValues(settingsFor(trace, stallId, b.port)),
            onVmLine: args.verbose ? (l) => out(`${stamp()} vm         ${l}`) : undefined,
        })
        const c = live.collector
        if (args.db) {
            progress(`site backend into ${args.db}`)
            // a scenario that sets the site's occupancy speaks for the site: the backend then does not
            const occupancy = !trace.rows.some((r) => !Array.isArray(r) && r.event === "occupancy")
            site = await Backend.start({ brokerUrl: live.brokerAddress.url, dbUrl: args.db, prefix: PREFIX, occupancy })
            if (web) site.onStored((sessionId) => web!.stored(sessionId))
        }
        const settings = settingsFor(trace, stallId, live.brokerAddress.port)
        const checker = new LiveChecker(PREFIX, stallId, {
            tariff: presetTariff(settings.tariffId)!,
            config: configFrom(trace.config),
        })
        const acked = new Set<string>()
        let shown = 0
        // print, check and acknowledge as messages arrive
        const follow = setInterval(() => {
            for (; shown < c.received.length; shown++) {
                const m = c.received[shown]
                const line = describe(m, stallId)
                if (line) out(`${stamp()} ${line}`)
                const j = m.json as any
                if (m.topic === topic("session") && j?.sessionId && !acked.has(j.sessionId)) {
                    acked.add(j.sessionId)
                    // with a database the site backend acks, after its commit
                    if (!site)
                        void c.publish(commandTopic(PREFIX, stallId, "ack"), JSON.stringify({ sessionId: j.sessionId }))
                }
            }
        }, 100)
        try {
            progress("waiting for the stall to come online (up to 60 s)")
            await c.waitFor(
                (m) => m.topic === topic("status") && (m.json as any)?.state !== "offline",
                60_000,
                "the stall online"
            )
            if (settings.tariffId !== trace.tariff.id || !samePreset(trace.tariff)) {
                await c.publish(commandTopic(PREFIX, stallId, "tariff"), JSON.stringify(trace.tariff))
                await c.waitFor((m) => (m.json as any)?.kind === "tariff_changed", 10_000, "the tariff applied")
            }
            await playTrace(live.sensors, trace.rows, {
                command: (name, body) => c.publish(commandTopic(PREFIX, stallId, name), JSON.stringify(body)),
                occupancy: (percent) =>
                    c.publish(siteOccupancyTopic(PREFIX), JSON.stringify({ percent }), { qos: 1, retain: true }),
                powerOff: () => live!.vm.kill(),
                powerOn: () => live!.vm.restart(),
            })
            await c
                .waitFor(
                    () => acked.size >= expectedRecords && (!site || site.counts.acked >= expectedRecords),
                    SETTLE_MS,
                    `${expectedRecords} session records`
                )
                .catch(() => {})
        } finally {
            clearInterval(follow)
        }
        for (const m of c.received) checker.add(m)
        const r = checker.report
        if (args.traceOut)
            writeFileSync(
                args.traceOut,
                JSON.stringify({
                    format: "stall-trace/1",
                    tariff: presetTariff(settings.tariffId),
                    config: trace.config ?? {},
                    rows: r.traceRows,
                }) + "\n"
            )

        out("")
        const printed = new Set<string>()
        for (const m of c.received.filter((x) => x.topic === topic("session"))) {
            const rec = m.json as any
            if (printed.has(rec.sessionId)) continue // a resend
            printed.add(rec.sessionId)
            out(formatSession(rec, trace.tariff.periodMs))
            out("")
        }
        const mismatches = r.records.filter((x) => x.diff !== null)
        const unverified = r.records.filter((x) => !x.verifiable)
        const missing = expectedRecords - r.records.length
        out(
            `messages   ${r.messages} (${r.bytes} bytes): ` +
                Object.entries(r.byKind)
                    .map(([k, v]) => `${k} ${v.count}`)
                    .join(", ")
        )
        out(`schemas    ${r.schemaErrors.length === 0 ? "every message valid" : r.schemaErrors.length + " invalid"}`)
        for (const e of r.schemaErrors.slice(0, 10)) out(`           ${e}`)
        out(
            `records    ${r.records.length} of ${expectedRecords} expected; ${r.records.length - mismatches.length - unverified.length} equal to the replay of the tap` +
                (unverified.length ? `, ${unverified.length} not replayable (tap incomplete)` : "")
        )
        for (const x of mismatches) out(`           ${x.sessionId}: ${x.diff}`)
        if (args.traceOut)
            out(`trace      ${args.traceOut} (replay it: npm run --silent sim -- replay ${args.traceOut})`)
        let stored = true
        if (site) {
            await site.settled()
            const rows = await site.store.count("sessions")
            stored = site.counts.stored + site.counts.duplicates >= expectedRecords && site.counts.failed === 0
            out(
                `database   ${args.db}: ${site.counts.stored} record(s) stored now, ${rows} in all, acked after the commit` +
                    (args.db!.startsWith("sqlite:")
                        ? ` (look: sqlite3 ${args.db!.slice(7)} 'select session_id, total_minor from sessions')`
                        : "")
            )
        }
        const ok =
            r.schemaErrors.length === 0 && mismatches.length === 0 && unverified.length === 0 && missing <= 0 && stored
        out(ok ? `OK in ${((Date.now() - started) / 1000).toFixed(1)} s` : "FAILED")
        outcome = ok ? "OK" : "FAILED"
        return ok ? 0 : 1
    } catch (e) {
        io.stderr.write(`sim live: ${(e as Error).message}\n`)
        return 1
    } finally {
        await web?.stop(`sim live has ended: ${outcome}`)
        await site?.stop()
        await live?.stop()
    }
}
