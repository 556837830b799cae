// `--web [PORT]` of sim live, sim fleet and sim backend: the site view (view.ts) served on
// 127.0.0.1 (server.ts), fed by one more MQTT client on the site's broker, so the same
// page shows a live firmware, a simulated fleet or a real site.
import mqtt, { type MqttClient } from "mqtt"
import type { Tariff } from "../../src/core/billing/index"
import { everyStall, type StallTopic } from "../../src/core/stall/index"
import { startWebServer, type WebServer } from "./server"
import { SiteView } from "./view"

/** what the view reads: what the stalls say, and what they are told */
const SUBSCRIPTIONS: { kind: StallTopic; qos: 0 | 1 }[] = [
    { kind: "status", qos: 1 },
    { kind: "session", qos: 1 },
    { kind: "cmd/ack", qos: 1 },
    { kind: "cmd/authorize", qos: 1 },
    { kind: "cmd/tariff", qos: 1 },
    { kind: "telemetry", qos: 0 },
    { kind: "tap", qos: 0 },
]
const CONNECT_TIMEOUT_MS = 10_000

export interface WebOptions {
    /** 0: a free port */
    port: number
    /** the page's heading */
    title: string
    prefix: string
    /** the stalls' tariff until a cmd/tariff says otherwise */
    tariff?: Tariff
    /** a site backend stores the records: it calls `web.stored` */
    storing?: boolean
}

export interface Web {
    url: string
    view: SiteView
    server: WebServer
    /** subscribes the view to the site's broker */
    attach(brokerUrl: string): Promise<void>
    /** the site backend committed this record */
    stored(sessionId: string): void
    /** the pages keep their last picture and say why it stopped */
    stop(reason: string): Promise<void>
}

/** Serves the page at once (its URL is known before any broker); the stalls appear after `attach`. */
export async function startWeb(o: WebOptions): Promise<Web> {
    const view = new SiteView({ prefix: o.prefix, tariff: o.tariff, storing: o.storing })
    const server = await startWebServer(view, { port: o.port, title: o.title })
    let client: MqttClient | undefined
    return {
        url: server.url,
        view,
        server,
        attach: async (brokerUrl) => {
            client = await mqtt.connectAsync(
                brokerUrl,
                {
                    clientId: `site-web-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
                    reconnectPeriod: 1000,
                    connectTimeout: CONNECT_TIMEOUT_MS,
                },
                false
            )
            client.on("message", (topic, payload) => view.message(topic, payload))
            for (const qos of [0, 1] as const)
                await client.subscribeAsync(
                    SUBSCRIPTIONS.filter((s) => s.qos === qos).map((s) => everyStall(o.prefix, s.kind)),
                    { qos }
                )
        },
        stored: (sessionId) => view.stored(sessionId),
        stop: async (reason) => {
            await client?.endAsync()
            await server.close(reason)
        },
    }
}
