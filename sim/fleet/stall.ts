// One simulated stall of the fleet: the stall's own decision logic (src/core) fed
// from its scenario timeline, with an mqtt.js client where the firmware has its
// DeviceScript link. Kept small: a thousand of these share one Node thread.

import mqtt, { type MqttClient } from "mqtt"
import { configFrom, StallAccounting, type StallConfig } from "../../src/core/billing/index"
import {
    clockTopic,
    commandFilter,
    commandTopic,
    defaultSettings,
    FIRMWARE_VERSION,
    offlineMessage,
    OUTBOX_RECORDS,
    parseTopic,
    rebooted,
    RESEND_MS,
    siteOccupancyTopic,
    StallController,
    stallTopic,
    type CommandName,
    type OutboxEntry,
    type StallIdentity,
} from "../../src/core/stall/index"
import type { FleetLedger } from "./backend"
import { StallTimeline } from "./timeline"
import type { Row, Scenario, TraceHeader } from "../scenario/scenario"

const FW = FIRMWARE_VERSION + "-fleet"
const TELEMETRY_MS = defaultSettings().telemetryMs
const KEEPALIVE_S = 15
/** the accounts start with the first boot: sessionId = {stallId}-1-{seq} */
const LINEAGE = 1
const CONNECT_TIMEOUT_MS = 10_000

export interface FleetStallOptions {
    stallId: string
    prefix: string
    url: string
    /** already phased for this stall (fleet-timeline.ts) */
    scenario: Scenario
    /** stall time spent offline before connecting (fleet-timeline.ts) */
    warmUpMs: number
    header: TraceHeader
    seed: number
    /** spread per stall, so a broker restart is not answered by a thousand reconnects at once */
    reconnectPeriodMs: number
    /** the backend sends the scenario's commands through the broker, as in reality */
    command(topic: string, payload: string): void
    ledger: FleetLedger
}

const milli = (x: number | null): number | null =>
    typeof x === "number" && Number.isFinite(x) ? Math.round(x * 1000) : null

export class FleetStall {
    readonly id: StallIdentity
    /** stall time of the last row consumed */
    now = 0
    samples = 0
    /** connections refused or lost, not counting the simulated power cuts */
    failures = 0
    connectedOnce = false
    private ctl: StallController
    private client: MqttClient | undefined
    private readonly timeline: StallTimeline
    private readonly config: StallConfig
    private boots = 1
    /** the scenario's commands before the stall first subscribed (its warm-up); null after */
    private held: [topic: string, payload: string][] | null = []
    private cutting = false
    private stopping = false

    constructor(private readonly opts: FleetStallOptions) {
        this.id = { stallId: opts.stallId, prefix: opts.prefix, connector: "NACS", fw: FW }
        this.config = configFrom(opts.header.config)
        this.timeline = new StallTimeline(opts.scenario, opts.seed)
        this.ctl = this.controller(new StallAccounting(this.config, opts.header.tariff), [])
        this.ctl.boot(0, "boot 1, fresh accounts, 0 records pending", false)
    }

    get online(): boolean {
        return this.client?.connected ?? false
    }

    get pendingRecords(): number {
        return this.ctl.outbox.length
    }

    private get prefix(): string {
        return this.id.prefix
    }

    /** Runs the warm-up, offline: records it closes wait in the outbox for the connection. */
    warmUp(): void {
        this.advance(0)
    }

    /** Resolves true once connected, false after the timeout (mqtt.js keeps trying). */
    connect(): Promise<boolean> {
        const client = mqtt.connect(this.opts.url, {
            clientId: "stall-" + this.id.stallId,
            clean: true,
            keepalive: KEEPALIVE_S,
            reconnectPeriod: this.opts.reconnectPeriodMs,
            connectTimeout: CONNECT_TIMEOUT_MS,
            will: {
                topic: stallTopic(this.prefix, this.id.stallId, "status"),
                payload: Buffer.from(offlineMessage(this.id)),
                qos: 1,
                retain: true,
            },
        })
        this.client = client
        client.on("connect", () => {
            // mqtt.js subscribes again by itself on later connections
            if (!this.connectedOnce)
                client.subscribe(
                    [
                        commandFilter(this.prefix, this.id.stallId),
                        clockTopic(this.prefix),
                        siteOccupancyTopic(this.prefix),
                    ],
                    { qos: 1 },
                    () => this.release()
                )
            this.connectedOnce = true
            this.ctl.connected(this.now)
            this.flush()
        })
        client.on("close", () => {
            this.ctl.disconnected()
            if (this.cutting) this.cutting = false
            else if (!this.stopping) this.failures++
        })
        client.on("message", (topic, buf) => {
            this.ctl.message(topic, buf.toString(), this.now, buf.length)
            this.flush()
        })
        // reported by the close that follows; an unhandled "error" would throw
        client.on("error", () => undefined)
        return new Promise((resolve) => {
            const timer = setTimeout(() => resolve(false), CONNECT_TIMEOUT_MS)
            client.once("connect", () => {
                clearTimeout(timer)
                resolve(true)
            })
        })
    }

    /** Consumes the rows up to `simMs` of fleet time (after the warm-up), then the periodic work, then publishes. */
    advance(simMs: number): void {
        const t = this.opts.warmUpMs + simMs
        while (this.timeline.nextT <= t) this.row(this.timeline.take())
        this.ctl.tick(this.now)
        this.flush()
    }

    /** A clean disconnect: the broker keeps the last status, no will. */
    async stop(): Promise<void> {
        this.stopping = true
        await this.client?.endAsync()
    }

    private controller(acct: StallAccounting, outbox: OutboxEntry[]): StallController {
        return new StallController(this.id, acct, LINEAGE, outbox, {
            telemetryMs: TELEMETRY_MS,
            resendMs: RESEND_MS,
            tap: false,
            maxOutbox: OUTBOX_RECORDS,
        })
    }

    private row(r: Row): void {
        if (Array.isArray(r)) {
            this.now = r[0]
            this.samples++
            this.ctl.sample(r[0], r[1], milli(r[2]), milli(r[3]))
            return
        }
        this.now = r.t
        if (r.event === "authorize")
            this.command(
                "authorize",
                JSON.stringify(
                    r.freeWh === undefined ? { account: r.account } : { account: r.account, freeWh: r.freeWh }
                )
            )
        else if (r.event === "tariff") this.command("tariff", JSON.stringify(r.tariff))
        else if (r.event === "sharing") this.command("sharing", JSON.stringify({ on: r.on }))
        // the fleet's own site publishes its real occupancy: a scenario's does not apply
        else if (r.event === "occupancy") return
        else this.reboot(r.t)
    }

    /** Sent by the backend through the broker; held until the stall listens, or it would be lost. */
    private command(name: CommandName, payload: string): void {
        const topic = commandTopic(this.prefix, this.id.stallId, name)
        if (this.held) this.held.push([topic, payload])
        else this.opts.command(topic, payload)
    }

    private release(): void {
        const held = this.held ?? []
        this.held = null
        for (const [topic, payload] of held) this.opts.command(topic, payload)
    }

    /**
     * Back from a power cut, like the firmware: the accounts restored from their
     * checkpoint, the outbox kept (it is in flash), a new controller; the link died
     * with the power, so the broker publishes the will and mqtt.js reconnects.
     */
    private reboot(t: number): void {
        this.flush() // what the stall said before the cut had gone out
        const acct = rebooted(this.ctl.acct, this.config)
        const outbox = this.ctl.outbox
        this.boots++
        this.ctl = this.controller(acct, outbox)
        this.ctl.boot(t, `boot ${this.boots}, accounts restored, ${outbox.length} records pending`, true)
        if (this.client?.connected) {
            this.cutting = true
            this.client.stream.destroy()
        }
    }

    /**
     * The shell's job after every step: what the controller says is due. Flash is
     * not modelled (a reboot resumes the accounts as they are, as replay does):
     * the outbox only feeds the ledger, and every write "succeeds".
     */
    private flush(): void {
        const d = this.ctl.due()
        if (d.outbox) for (const e of d.outbox) this.opts.ledger.closed.add(e.sessionId)
        this.ctl.saved(d, d.outbox ? { ok: true, unsaved: [] } : null, true, this.now)
        if (!this.client) return
        for (const p of d.publish) {
            this.opts.ledger.published(p, parseTopic(p.topic, this.prefix)?.kind)
            this.client.publish(p.topic, p.payload, { qos: p.qos as 0 | 1, retain: p.retain })
        }
    }
}
