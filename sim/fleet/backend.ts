// The fleet's backend: one MQTT client consuming what every stall publishes (counts,
// sampled schema checks, records deduplicated by sessionId and acked, latencies), and
// sending what a backend sends (commands, the site clock, the site occupancy). Stalls and backend share
// this process, so a latency is two performance.now() readings on one clock.

import mqtt, { type IPublishPacket, type MqttClient } from "mqtt"
import {
    clockTopic,
    commandTopic,
    everyStall,
    parseTopic,
    siteOccupancyTopic,
    stallFilter,
    type Publish,
    type StallTopic,
    type TopicKind,
} from "../../src/core/stall/index"
import { validateMessage } from "../mqtt/schemas"
import { Availability } from "../backend/availability"
import { AVAILABILITY_MS } from "../backend/backend"

/** What the stalls sent, for the backend to check what it got against. */
export class FleetLedger {
    /** sessionId -> performance.now() at its first publish */
    readonly recordSentAt = new Map<string, number>()
    /** status payload -> performance.now() at its publish (stallId and sinceMs make it unique enough) */
    readonly statusSentAt = new Map<string, number>()
    /** sessionIds that entered a stall's outbox: the records that must arrive */
    readonly closed = new Set<string>()
    messages = 0
    bytes = 0

    /** `kind`: what the topic carries (src/core/stall/topics.ts). */
    published(p: Publish, kind: TopicKind | undefined): void {
        const at = performance.now()
        this.messages++
        this.bytes += Buffer.byteLength(p.payload)
        if (kind === "session") {
            const id = (JSON.parse(p.payload) as { sessionId: string }).sessionId
            if (!this.recordSentAt.has(id)) this.recordSentAt.set(id, at)
        } else if (kind === "status") this.statusSentAt.set(p.payload, at)
    }
}

export interface KindCount {
    count: number
    bytes: number
}

/** Records are all checked; other kinds one message in this many (the first included). */
const VALIDATE_EVERY = 10
const CONNECT_TIMEOUT_MS = 10_000
const SUBSCRIPTIONS: StallTopic[] = ["session", "status", "event", "telemetry"]
/** topic filters per SUBSCRIBE packet */
const SUBSCRIBE_BATCH = 500

export class FleetBackend {
    readonly byKind = new Map<string, KindCount>()
    received = 0
    /** unique sessionIds received */
    readonly records = new Set<string>()
    duplicates = 0
    readonly recordLatencyMs: number[] = []
    readonly statusLatencyMs: number[] = []
    schemaChecked = 0
    schemaErrors = 0
    firstSchemaError: string | null = null
    /** connections of the backend lost after it was up */
    disconnects = 0
    /** the site occupancy publications, the last percent published (null before the first) */
    readonly occupancy = { publishes: 0, percent: null as number | null }
    private readonly site = new Availability()
    private occupancyTimer: NodeJS.Timeout | undefined
    private stopping = false
    private clocked = false

    private constructor(
        private readonly client: MqttClient,
        private readonly prefix: string,
        private readonly ledger: FleetLedger,
        /**
         * false when the site backend (sim/backend) stores and acks the records and
         * publishes the occupancy (a fleet with a database, or a shard of one)
         */
        private readonly acks: boolean
    ) {
        client.on("message", (topic, buf, packet) => this.onMessage(topic, buf, packet))
        client.on("close", () => {
            if (!this.stopping) this.disconnects++
        })
    }

    /** Connects and subscribes; rejects when the broker cannot be reached. */
    /**
     * Connects and subscribes to every stall of the site, or with `stallIds` to those
     * stalls only (a shard of a fleet spread over processes); rejects when the broker
     * cannot be reached.
     */
    static async start(
        url: string,
        prefix: string,
        ledger: FleetLedger,
        acks = true,
        stallIds?: string[]
    ): Promise<FleetBackend> {
        // no retries for the first connection: an unreachable broker fails the run at once
        const client = await mqtt.connectAsync(
            url,
            { clientId: `fleet-backend-${process.pid}`, reconnectPeriod: 1000, connectTimeout: CONNECT_TIMEOUT_MS },
            false
        )
        const backend = new FleetBackend(client, prefix, ledger, acks)
        const filters = stallIds
            ? stallIds.map((id) => stallFilter(prefix, id))
            : SUBSCRIPTIONS.map((k) => everyStall(prefix, k))
        for (let i = 0; i < filters.length; i += SUBSCRIBE_BATCH)
            await client.subscribeAsync(filters.slice(i, i + SUBSCRIBE_BATCH), { qos: 1 })
        return backend
    }

    /** A command to one stall, QoS 1 and never retained (docs/mqtt.md). */
    command(topic: string, payload: string): void {
        this.client.publish(topic, payload, { qos: 1 })
    }

    /** The site clock, retained so every stall gets it when it (re)subscribes. */
    clock(epochMs: number): void {
        this.clocked = true
        this.client.publish(clockTopic(this.prefix), JSON.stringify({ epochMs: Math.round(epochMs) }), {
            qos: 1,
            retain: true,
        })
    }

    get connected(): boolean {
        return this.client.connected
    }

    async stop(): Promise<void> {
        this.stopping = true
        clearTimeout(this.occupancyTimer)
        // leave no retained clock (or occupancy) behind on an external broker
        if (this.clocked)
            await this.client.publishAsync(clockTopic(this.prefix), "", { qos: 1, retain: true }).catch(() => undefined)
        if (this.occupancy.publishes)
            await this.client
                .publishAsync(siteOccupancyTopic(this.prefix), "", { qos: 1, retain: true })
                .catch(() => undefined)
        await this.client.endAsync()
    }

    private onMessage(topic: string, buf: Buffer, packet: IPublishPacket): void {
        const at = performance.now()
        this.received++
        const parsed = parseTopic(topic, this.prefix)
        const stallId = parsed?.stallId ?? ""
        const kind = parsed?.kind ?? "other"
        let c = this.byKind.get(kind)
        if (!c) this.byKind.set(kind, (c = { count: 0, bytes: 0 }))
        c.count++
        c.bytes += buf.length
        // an empty retained message only clears a topic (e.g. a previous run's status)
        if (buf.length === 0) return
        if (kind === "session") return this.record(stallId, buf.toString(), at)
        const text = kind === "status" || c.count % VALIDATE_EVERY === 1 ? buf.toString() : ""
        if (c.count % VALIDATE_EVERY === 1) this.check(kind, text)
        if (kind === "status" && this.acks) this.siteStatus(stallId, text)
        // a retained copy is an old status (sent before we subscribed), not a delivery
        if (kind === "status" && !packet.retain) {
            const sentAt = this.ledger.statusSentAt.get(text)
            if (sentAt !== undefined) {
                this.ledger.statusSentAt.delete(text)
                this.statusLatencyMs.push(at - sentAt)
            }
        }
    }

    /** As the site backend does: the occupancy from the statuses, retained, coalesced, when it changes. */
    private siteStatus(stallId: string, text: string): void {
        let msg: unknown
        try {
            msg = JSON.parse(text)
        } catch {
            return
        }
        if (!this.site.status(stallId, msg)) return
        this.occupancyTimer ??= setTimeout(() => {
            this.occupancyTimer = undefined
            const percent = this.site.occupancy()
            if (percent === this.occupancy.percent) return
            this.occupancy.percent = percent
            this.occupancy.publishes++
            this.client.publish(siteOccupancyTopic(this.prefix), JSON.stringify({ percent }), { qos: 1, retain: true })
        }, AVAILABILITY_MS)
    }

    /** Store-if-absent by sessionId, then ack every copy (docs/mqtt.md "Delivery"). */
    private record(stallId: string, text: string, at: number): void {
        let rec: { sessionId?: unknown }
        try {
            rec = JSON.parse(text)
        } catch {
            return this.schemaError("session: not JSON")
        }
        const id = rec?.sessionId
        if (typeof id !== "string") return this.schemaError("session: no sessionId")
        if (this.records.has(id)) this.duplicates++
        else {
            this.records.add(id)
            this.schemaChecked++
            const err = validateMessage("session", rec)
            if (err) this.schemaError(err)
            const sentAt = this.ledger.recordSentAt.get(id)
            if (sentAt !== undefined) this.recordLatencyMs.push(at - sentAt)
        }
        if (this.acks) this.command(commandTopic(this.prefix, stallId, "ack"), JSON.stringify({ sessionId: id }))
    }

    private check(kind: string, text: string): void {
        this.schemaChecked++
        let payload: unknown
        try {
            payload = JSON.parse(text)
        } catch {
            return this.schemaError(`${kind}: not JSON`)
        }
        const err = validateMessage(kind, payload)
        if (err) this.schemaError(err)
    }

    private schemaError(err: string): void {
        this.schemaErrors++
        this.firstSchemaError ??= err
    }
}
