import * as ds from "@devicescript/core"
import { MQTTClient, MQTTState } from "@devicescript/net"
import "./client-fixes"
import {
    clockTopic,
    commandFilter,
    offlineMessage,
    Publish,
    StallIdentity,
    StallSettings,
    stallTopic,
    StallWire,
} from "../core/stall/index"

/**
 * The MQTT link. The DeviceScript client needs help to be trusted
 * (DEVICESCRIPT.md): its QoS 1 is not real, it never checks ping responses, a
 * reset socket can leave it "connected" and crash it. So: a short watchdog, an
 * echo on our own topic as the liveness check, a client reset on any error of a
 * live connection, and every publish guarded.
 */
export const WATCHDOG_MS = 5000
export const ECHO_EVERY_MS = 2000
/** after a CONNACK, time for the client to send the subscriptions before the first echo */
export const FIRST_ECHO_MS = 200
/** no echo back for this long = the broker is gone or frozen */
export const ECHO_DEADLINE_MS = 6000

export class Link implements StallWire {
    readonly client: MQTTClient
    private id: StallIdentity
    private echoTopic: string
    private lastEcho = 0
    private resetting = false
    private up = false
    /**
     * Called with every message on a subscribed topic. Synchronous on purpose: the
     * client handles the next packet only after this returns, and while it waits,
     * received data piles up in its (small) heap.
     */
    onMessage: (topic: string, payload: string, bytes: number) => void = null
    onUp: () => Promise<void> = null
    onDown: (why: string) => void = null

    constructor(s: StallSettings, id: StallIdentity) {
        this.id = id
        this.echoTopic = stallTopic(id.prefix, id.stallId, "echo")
        this.client = new MQTTClient({
            host: s.mqttHost,
            port: s.mqttPort,
            proto: s.mqttProto === "tls" ? "tls" : "tcp",
            clientId: "stall-" + id.stallId,
            username: s.mqttUser || undefined,
            password: s.mqttPassword || undefined,
            watchdogInterval: WATCHDOG_MS,
            pingInterval: WATCHDOG_MS,
            keepAlive: 15,
            timeout: WATCHDOG_MS,
            will: {
                topic: stallTopic(id.prefix, id.stallId, "status"),
                message: offlineMessage(id),
                qos: 1,
                retain: true,
            },
        })
    }

    /** Sending is connected too: another publish is in flight, and the client waits for it. */
    connected(): boolean {
        const s = this.client.readyState
        return s === MQTTState.Connected || s === MQTTState.Sending
    }

    /**
     * The subscriptions are registered before connecting: the client sends them itself
     * on every CONNACK. Its subscribe() gives up silently when the connection stays
     * busy for 2 s, so the stall is "up" (status published, commands expected) only
     * once its own echo came back: then its subscriptions are live.
     */
    async start(): Promise<void> {
        const self = this
        const id = this.id
        this.client.onconnect.subscribe(async () => {
            self.lastEcho = ds.millis()
            // the client sends the subscriptions right after this; then prove them
            setTimeout(async () => await self.sendEcho(), FIRST_ECHO_MS)
        })
        this.client.onclose.subscribe(async () => self.down("connection closed"))
        this.client.onerror.subscribe(async (e) => {
            // a socket error on a live connection leaves the client "connected" and
            // its ping timer then throws: reset it ourselves
            if (self.connected()) await self.reset("socket error: " + e.message)
        })
        const deliver = async (msg: any) => {
            // anything from the broker proves it alive: a busy stall behind on its
            // queue must not reset the link for want of its own echo
            self.lastEcho = ds.millis()
            const topic: string = msg.topic
            if (topic === self.echoTopic) {
                if (!self.up && self.connected()) {
                    self.up = true
                    // not awaited here: the client handles its next packet only after this
                    if (self.onUp) setTimeout(async () => await self.onUp(), 0)
                }
            } else if (self.onMessage) self.onMessage(topic, msg.content.toString(), msg.content.length)
        }
        await this.guard(async () => {
            await self.client.subscribe(commandFilter(id.prefix, id.stallId), deliver, 1)
            await self.client.subscribe(clockTopic(id.prefix), deliver, 1)
            await self.client.subscribe(stallTopic(id.prefix, id.stallId, "status"), deliver, 1)
            await self.client.subscribe(self.echoTopic, deliver, 0)
        })
        await this.guard(async () => await self.client.start())
        setInterval(async () => await self.checkAlive(), ECHO_EVERY_MS)
    }

    /** False when not sent (not connected, or the client failed). */
    async publish(p: Publish): Promise<boolean> {
        if (!this.connected()) return false
        const self = this
        let ok = false
        await this.guard(async () => {
            ok = await self.client.publish(p.topic, p.payload, p.qos, p.retain)
        })
        return ok
    }

    private async checkAlive(): Promise<void> {
        if (!this.connected()) {
            this.lastEcho = ds.millis()
            return
        }
        await this.sendEcho()
        const silentMs = ds.millis() - this.lastEcho
        if (silentMs > ECHO_DEADLINE_MS) await this.reset("no echo from the broker for " + silentMs + " ms")
    }

    private async sendEcho(): Promise<void> {
        const self = this
        await this.guard(async () => await self.client.publish(self.echoTopic, "1", 0, false))
    }

    private down(why: string): void {
        if (!this.up) return
        this.up = false
        if (this.onDown) this.onDown(why)
    }

    private async reset(why: string): Promise<void> {
        if (this.resetting) return
        this.resetting = true
        this.down(why)
        const self = this
        await this.guard(async () => {
            await self.client.stop()
            await self.client.start()
        })
        this.lastEcho = ds.millis()
        this.resetting = false
    }

    /** The client can throw on a dying socket: never let that reach the VM. */
    private async guard(f: () => Promise<void>): Promise<void> {
        try {
            await f()
        } catch (e) {
            console.log("link: " + (e as Error).message)
        }
    }
}
