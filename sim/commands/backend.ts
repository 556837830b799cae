// `sim backend --broker URL --db URL [--http PORT]`: the site backend (sim/backend/) until
// Ctrl-C: records into the database and acked, the credit ledger, authorization and
// availability over HTTP, availability retained on {prefix}/site/availability.
import { Backend } from "../backend/backend"
import { startHttp, httpPort } from "../backend/http"
import { checkTimeZone, SITE_TIME_ZONE, YEARLY_CREDIT_WH } from "../backend/ledger"
import { defineCommand, InputError, numberArg, processIo, runCommandLine, UsageError, type CommandIo } from "./args"
import { brokerRefusal } from "./reach-broker"
import { startWeb, type Web } from "../web/index"
import { WEB_OPTION, webLine, webPort } from "./web-option"

export const BACKEND_COMMAND = defineCommand({
    name: "backend",
    summary:
        "the site backend: session records into SQLite or PostgreSQL (acked after the commit), the yearly credit ledger, an HTTP API",
    positionals: [],
    options: {
        broker: { value: "mqtt://HOST:PORT", description: "the site's MQTT broker", required: true },
        db: {
            value: "URL",
            description:
                "sqlite:FILE (embedded) or postgres://USER@HOST:PORT/DB; the schema is created or migrated at start",
            required: true,
        },
        http: {
            value: "PORT",
            description: "serve the HTTP API on 127.0.0.1:PORT (0: a free port)",
            default: "no HTTP",
        },
        prefix: { value: "PREFIX", description: "the stalls' topic prefix", default: "stalls" },
        "time-zone": {
            value: "ZONE",
            description: "the site's IANA time zone: the credit's calendar year",
            default: SITE_TIME_ZONE,
        },
        "credit-wh": {
            value: "WH",
            description: "yearly free-energy credit per account",
            default: String(YEARLY_CREDIT_WH),
        },
        share: {
            value: "GROUP",
            description:
                "take records through the shared subscription $share/GROUP/… (MQTT 5; mosquitto, EMQX, VerneMQ) so several instances split them",
        },
        web: WEB_OPTION,
    },
    notes: [
        "Runs until interrupted; prints a line per minute with records received, stored, duplicates, rejected, acked.",
    ],
    examples: [
        "npm run --silent sim -- backend --broker mqtt://127.0.0.1:1883 --db sqlite:.sim/backend.db --http 8090",
        "npm run --silent sim -- backend --broker mqtt://127.0.0.1:1883 --db postgres://billing@127.0.0.1:5432/site --share billing",
        "npm run --silent sim -- backend --broker mqtt://127.0.0.1:1883 --db sqlite:.sim/backend.db --web 8091",
    ],
})

export function backendCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
    return runCommandLine(BACKEND_COMMAND, argv, io, async ({ values }) => {
        const broker = values.broker!
        if (!/^mqtts?:\/\/[^/]+$/.test(broker))
            throw new UsageError(`--broker must be mqtt://host:port, got "${broker}"`)
        const db = values.db!
        if (!/^sqlite:.+|^postgres(ql)?:\/\/.+/.test(db))
            throw new UsageError(`--db must be sqlite:FILE or postgres://…, got "${db}"`)
        const port = numberArg("http", values.http, 0, 65535)
        const webAt = webPort(values.web)
        const creditWh = numberArg("credit-wh", values["credit-wh"], 0, 10_000_000)
        const timeZone = values["time-zone"] ?? SITE_TIME_ZONE
        const tz = checkTimeZone(timeZone)
        if (tz) throw new UsageError(`--time-zone: ${tz}`)
        const unreachable = await brokerRefusal(broker)
        if (unreachable) {
            io.stderr.write(`sim backend: ${unreachable}\n`)
            return 1
        }
        const out = (s: string) => io.stdout.write(s + "\n")
        const prefix = values.prefix ?? "stalls"
        let web: Web | undefined
        if (webAt !== undefined) {
            web = await startWeb({ port: webAt, title: `sim backend · ${broker}`, prefix, storing: true })
            out(webLine(web.url))
        }
        let backend: Backend
        try {
            backend = await Backend.start({
                brokerUrl: broker,
                dbUrl: db,
                prefix,
                timeZone,
                creditWh,
                shareGroup: values.share,
            })
        } catch (e) {
            await web?.stop("the backend did not start")
            throw new InputError(`cannot start: ${(e as Error).message}`)
        }
        if (web) {
            backend.onStored((sessionId) => web!.stored(sessionId))
            await web.attach(broker)
        }
        const server = port === undefined ? null : await startHttp(backend, port)
        out(
            `sim backend: broker ${broker} · db ${db.replace(/:\/\/[^@/]*@/, "://…@")}${server ? ` · http://127.0.0.1:${httpPort(server)}/api/stalls` : ""}`
        )
        const report = () => {
            const c = backend.counts
            out(
                `records: ${c.received} received, ${c.stored} stored, ${c.duplicates} duplicates, ${c.rejected} rejected, ${c.acked} acked, ${c.failed} failed`
            )
        }
        const timer = setInterval(report, 60_000)
        await new Promise<void>((resolve) => {
            process.once("SIGINT", resolve)
            process.once("SIGTERM", resolve)
        })
        clearInterval(timer)
        server?.close()
        await web?.stop("the backend has stopped")
        await backend.stop()
        report()
        return 0
    })
}
