// The site backend: ingests session records from every stall (schema-checked, one row per
// sessionId, `cmd/ack` only after the commit), keeps the yearly credit ledger, authorizes
// stalls for the brand app, and aggregates availability and occupancy. MQTT (mqtt.js) on one side, the
// database (db.ts) on the other, HTTP (http.ts) for apps and billing.
import mqtt, { type MqttClient } from "mqtt"
import {
    commandTopic,
    everyStall,
    parseTopic,
    siteAvailabilityTopic,
    siteOccupancyTopic,
    type SessionMessage,
} from "../../src/core/stall/index"
import { validateMessage } from "../mqtt/schemas"
import { Availability } from "./availability"
import { openDb, type Db } from "./db"
import { RESERVATION_MS, SITE_TIME_ZONE, YEARLY_CREDIT_WH } from "./ledger"
import { migrate } from "./schema"
import { BackendStore, type Grant } from "./store"
import { summarize, type Stats } from "../report/percentiles"

/**
 * The retained availability is republished at most this often: a site of thousands of
 * stalls changes state several times a second, and a car's map needs no more.
 */
export const AVAILABILITY_MS = 1000

export interface BackendOptions {
    brokerUrl: string
    dbUrl: string
    prefix?: string
    timeZone?: string
    creditWh?: number
    reservationMs?: number
    /** subscribe to records as `$share/GROUP/…`, so several instances share them (MQTT 5 brokers) */
    shareGroup?: string
    clientId?: string
    now?: () => number
    /** publish the site's occupancy (default true); off when something else speaks for the site */
    occupancy?: boolean
}

export interface BackendCounts {
    /** record messages received (resends included) */
    received: number
    stored: number
    duplicates: number
    rejected: number
    acked: number
    /** a database or broker error kept a record unacked (the stall resends it) */
    failed: number
}

/** records per transaction: a burst (a site back online) costs one commit per batch, not one per record */
export const INGEST_BATCH = 100

/** A record message as it arrived, before its turn. */
interface Arrival {
    topic: string
    stallId: string
    text: string
    at: number
}

/** What `GET /api/health` shows the operator. */
export interface BackendHealth {
    mqtt: boolean
    stalls: number
    counts: BackendCounts
    ackLatencyMs: Stats
    errors: string[]
}

export class Backend {
    readonly counts: BackendCounts = { received: 0, stored: 0, duplicates: 0, rejected: 0, acked: 0, failed: 0 }
    readonly availability = new Availability()
    /** ms from a record's arrival to its ack leaving, per acked copy */
    readonly ackLatencyMs: number[] = []
    /** the last errors, newest last (at most 20), for the operator */
    readonly errors: string[] = []
    private queue: Promise<void> = Promise.resolve()
    private readonly pending: Arrival[] = []
    private draining = false
    private availabilityTimer: NodeJS.Timeout | undefined
    /** the occupancy percent last published, undefined before the first */
    private occupancyPublished: number | undefined
    private readonly storedListeners: ((sessionId: string) => void)[] = []

    private constructor(
        readonly store: BackendStore,
        private readonly client: MqttClient,
        readonly prefix: string,
        private readonly now: () => number,
        private readonly publishesOccupancy: boolean
    ) {
        client.on("message", (topic, buf) => this.onMessage(topic, buf))
    }

    static async start(o: BackendOptions): Promise<Backend> {
        const prefix = o.prefix ?? "stalls"
        const db: Db = await openDb(o.dbUrl)
        try {
            await migrate(db)
            const store = new BackendStore(db, {
                creditWh: o.creditWh ?? YEARLY_CREDIT_WH,
                timeZone: o.timeZone ?? SITE_TIME_ZONE,
                reservationMs: o.reservationMs ?? RESERVATION_MS,
            })
            const client = await mqtt.connectAsync(
                o.brokerUrl,
                {
                    clientId: o.clientId ?? `stall-backend-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
                    protocolVersion: o.shareGroup ? 5 : 4,
                    reconnectPeriod: 1000,
                    connectTimeout: 10_000,
                },
                false
            )
            const b = new Backend(store, client, prefix, o.now ?? Date.now, o.occupancy ?? true)
            const records = everyStall(prefix, "session")
            await client.subscribeAsync(o.shareGroup ? `$share/${o.shareGroup}/${records}` : records, { qos: 1 })
            await client.subscribeAsync(everyStall(prefix, "status"), { qos: 1 })
            return b
        } catch (e) {
            await db.close()
            throw e
        }
    }

    /** Calls `listener` with the sessionId of every record committed from now on (stored now, or stored before). */
    onStored(listener: (sessionId: string) => void): void {
        this.storedListeners.push(listener)
    }

    /** Every record handled so far is stored and acked (or rejected, or failed). */
    async settled(): Promise<void> {
        await this.queue
    }

    /** Reserves the account's remaining credit and tells the stall; throws on an unknown stall. */
    async authorize(stallId: string, account: string): Promise<Grant> {
        const grant = await this.store.reserve(account, stallId, this.now())
        const body = JSON.stringify({ account, freeWh: grant.freeWh })
        const problem = validateMessage("cmd/authorize", JSON.parse(body))
        if (problem !== null) throw new Error(problem)
        await this.client.publishAsync(commandTopic(this.prefix, stallId, "authorize"), body, { qos: 1 })
        return grant
    }

    health(): BackendHealth {
        return {
            mqtt: this.client.connected,
            stalls: this.availability.size,
            counts: { ...this.counts },
            ackLatencyMs: summarize(this.ackLatencyMs),
            errors: [...this.errors],
        }
    }

    async stop(): Promise<void> {
        clearTimeout(this.availabilityTimer)
        await this.client.endAsync()
        await this.queue
        await this.store.db.close()
    }

    private onMessage(topic: string, buf: Buffer): void {
        const parsed = parseTopic(topic, this.prefix)
        if (!parsed || parsed.stallId === null || buf.length === 0) return
        if (parsed.kind === "status") {
            let msg: unknown
            try {
                msg = JSON.parse(buf.toString())
            } catch {
                return
            }
            if (this.availability.status(parsed.stallId, msg)) this.availabilityChanged()
            return
        }
        if (parsed.kind !== "session") return
        this.counts.received++
        this.pending.push({ topic, stallId: parsed.stallId, text: buf.toString(), at: performance.now() })
        // one batch at a time: each is committed, then acked, before the next
        if (!this.draining) this.queue = this.drain()
    }

    private async drain(): Promise<void> {
        this.draining = true
        try {
            while (this.pending.length) await this.ingest(this.pending.splice(0, INGEST_BATCH))
        } finally {
            this.draining = false
        }
    }

    private async ingest(batch: Arrival[]): Promise<void> {
        const good: { arrival: Arrival; rec: SessionMessage }[] = []
        for (const a of batch) {
            const problem = this.problem(a.stallId, a.text)
            if (problem === null) good.push({ arrival: a, rec: JSON.parse(a.text) as SessionMessage })
            else await this.reject(a, problem)
        }
        if (!good.length) return
        let results: ("stored" | "duplicate")[]
        try {
            results = await this.store.storeRecords(
                good.map((g) => g.rec),
                this.now()
            )
        } catch (e) {
            // one at a time, so a record the database refuses holds up no other
            if (good.length > 1) {
                for (const g of good) await this.ingest([g.arrival])
                return
            }
            this.counts.failed++
            this.note(`record on ${good[0].arrival.topic} not stored (the stall resends it): ${(e as Error).message}`)
            return
        }
        for (const r of results) this.counts[r === "stored" ? "stored" : "duplicates"]++
        for (const g of good) for (const listener of this.storedListeners) listener(g.rec.sessionId)
        // committed: now the stalls may forget them
        await Promise.all(good.map((g) => this.ack(g.arrival, g.rec.sessionId)))
    }

    private async reject(a: Arrival, problem: string): Promise<void> {
        try {
            await this.store.reject(a.topic, a.text, problem, this.now())
            this.counts.rejected++
            this.note(`rejected ${a.topic}: ${problem}`)
        } catch (e) {
            this.counts.failed++
            this.note(`reject on ${a.topic} not stored: ${(e as Error).message}`)
        }
    }

    private async ack(a: Arrival, sessionId: string): Promise<void> {
        try {
            await this.client.publishAsync(commandTopic(this.prefix, a.stallId, "ack"), JSON.stringify({ sessionId }), {
                qos: 1,
            })
            this.counts.acked++
            this.ackLatencyMs.push(performance.now() - a.at)
        } catch (e) {
            this.counts.failed++
            this.note(`record on ${a.topic} stored, its ack not sent (the stall resends it): ${(e as Error).message}`)
        }
    }

    /** Why a record cannot be stored, or null. */
    private problem(stallId: string, text: string): string | null {
        let rec: any
        try {
            rec = JSON.parse(text)
        } catch {
            return "not JSON"
        }
        const invalid = validateMessage("session", rec)
        if (invalid !== null) return invalid
        if (rec.stallId !== stallId) return `stallId ${rec.stallId} published on ${stallId}'s topic`
        return null
    }

    private availabilityChanged(): void {
        this.availabilityTimer ??= setTimeout(() => {
            this.availabilityTimer = undefined
            this.publishAvailability()
        }, AVAILABILITY_MS)
    }

    private publishAvailability(): void {
        const body = JSON.stringify({
            v: 1,
            at: this.now(),
            connectors: this.availability.byConnector(),
            stalls: this.availability.size,
        })
        this.client.publish(siteAvailabilityTopic(this.prefix), body, { qos: 1, retain: true })
        // the stalls' idle fees follow it: republished only when the percent changes
        if (!this.publishesOccupancy) return
        const percent = this.availability.occupancy()
        if (percent === this.occupancyPublished) return
        this.occupancyPublished = percent
        this.client.publish(siteOccupancyTopic(this.prefix), JSON.stringify({ percent }), { qos: 1, retain: true })
    }

    private note(line: string): void {
        this.errors.push(line)
        if (this.errors.length > 20) this.errors.shift()
    }
}
