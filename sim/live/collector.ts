// Records everything published under some topics, for assertions on what the
// firmware sent. mqtt.js reconnects (and resubscribes) by itself after a broker
// restart; retained messages then arrive again, with retain set.
import mqtt, { type MqttClient } from "mqtt"
import { deadline } from "./process"

export interface Received {
    topic: string
    payload: string
    /** the payload parsed as JSON, undefined when it is not JSON */
    json: unknown
    retain: boolean
    qos: 0 | 1 | 2
    /** Date.now() at arrival */
    atMs: number
}

export interface CollectorOptions {
    /** default "#" */
    topics?: string | string[]
    /** ms between reconnect attempts, default 250 */
    reconnectMs?: number
}

const TAIL = 8
const CONNECT_TIMEOUT_MS = 5000

export class Collector {
    readonly received: Received[] = []
    private waiters = new Set<() => void>()

    private constructor(private readonly client: MqttClient) {
        client.on("message", (topic, buf, packet) => {
            const payload = buf.toString()
            let json: unknown
            try {
                json = JSON.parse(payload)
            } catch {
                json = undefined
            }
            this.received.push({ topic, payload, json, retain: packet.retain, qos: packet.qos, atMs: Date.now() })
            for (const wake of this.waiters) wake()
        })
    }

    /** Connects and subscribes; resolves once the subscription is acknowledged. */
    static async start(url: string, options: CollectorOptions = {}): Promise<Collector> {
        const client = mqtt.connect(url, {
            clientId: `collector-${process.pid}-${Date.now().toString(36)}`,
            reconnectPeriod: options.reconnectMs ?? 250,
            connectTimeout: CONNECT_TIMEOUT_MS,
        })
        const collector = new Collector(client)
        // mqtt.js holds the subscribe until it connects, which may be never
        const limit = deadline(CONNECT_TIMEOUT_MS, () => `the collector to subscribe at ${url}`)
        try {
            await Promise.race([client.subscribeAsync(options.topics ?? "#", { qos: 1 }), limit.promise])
        } catch (e) {
            await client.endAsync(true)
            throw e
        } finally {
            limit.cancel()
        }
        return collector
    }

    get connected(): boolean {
        return this.client.connected
    }

    /** where the next message will go in `received`: pass it as `since` to wait for news only */
    get count(): number {
        return this.received.length
    }

    /** Messages whose topic ends with `topicSuffix` (all without one). */
    messages(topicSuffix = ""): Received[] {
        return this.received.filter((m) => m.topic.endsWith(topicSuffix))
    }

    /**
     * First message from index `since` on (default 0: everything recorded) that
     * satisfies `predicate`. Rejects after `timeoutMs` naming `what` and quoting
     * the last messages.
     */
    waitFor(predicate: (m: Received) => boolean, timeoutMs: number, what: string, since = 0): Promise<Received> {
        let checked = since
        return new Promise((resolve, reject) => {
            // runs inside mqtt.js' message event: a throwing predicate must not escape there
            const check = () => {
                try {
                    for (; checked < this.received.length; checked++) {
                        if (predicate(this.received[checked])) {
                            done()
                            resolve(this.received[checked])
                            return
                        }
                    }
                } catch (e) {
                    done()
                    reject(e)
                }
            }
            const timer = setTimeout(() => {
                done()
                const tail = this.received
                    .slice(-TAIL)
                    .map((m) => `${m.topic} ${m.retain ? "(retained) " : ""}${m.payload}`)
                reject(
                    new Error(
                        `timed out after ${timeoutMs} ms waiting for ${what}; last messages:\n  ${tail.join("\n  ") || "(none)"}`
                    )
                )
            }, timeoutMs)
            const done = () => {
                clearTimeout(timer)
                this.waiters.delete(check)
            }
            this.waiters.add(check)
            check()
        })
    }

    async publish(topic: string, payload: string, options: { qos?: 0 | 1 | 2; retain?: boolean } = {}): Promise<void> {
        await this.client.publishAsync(topic, payload, { qos: options.qos ?? 1, retain: options.retain ?? false })
    }

    async close(): Promise<void> {
        await this.client.endAsync(true)
    }
}
