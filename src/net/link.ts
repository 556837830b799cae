import * as ds from "@devicescript/core"
import {
    clockTopic,
    commandFilter,
    offlineMessage,
    Publish,
    siteOccupancyTopic,
    StallIdentity,
    StallSettings,
    stallTopic,
    StallWire,
} from "../core/stall/index"
import { LinkAction, LinkPhase, LinkPolicy, TCP_OPEN_TIMEOUT_MS, TLS_OPEN_TIMEOUT_MS } from "./link-policy"
import {
    connectPacket,
    MAX_PACKET_BYTES,
    Packet,
    PacketReader,
    PacketType,
    parsePublish,
    publishPacket,
    pubAckPacket,
    subscribePacket,
} from "./mqtt-packets"

type SocketEvent = "open" | "close" | "data" | "error"
/** the runtime's one socket (what @devicescript/net's sockets.ts wraps) */
type DsSockets = typeof ds & {
    _socketOpen(host: string, port: number): number
    _socketClose(): number
    _socketWrite(buf: Buffer): number
    _socketOnEvent: (event: SocketEvent, arg?: Buffer | string) => void
}
const sock = ds as DsSockets

/** how often the policy is asked what to do */
export const LINK_TICK_MS = 500

/**
 * The MQTT link: the I/O shell of LinkPolicy (when to open, probe, give up) and of the
 * packets in mqtt-packets.ts, over the runtime's one socket. It replaces
 * @devicescript/net's MQTTClient, whose QoS 1 is not real, whose watchdog reopened
 * the socket every 5 s mid-handshake, and which buffered any incoming packet whole
 * (DEVICESCRIPT.md). The liveness check is an echo on our own topic; the broker's
 * keep-alive is satisfied by it.
 */
export class Link implements StallWire {
    private id: StallIdentity
    private host: string
    private port: number
    private echoTopic: string
    private policy: LinkPolicy
    private reader: PacketReader = null as any
    private hello: Buffer
    private topics: string[]
    private up = false
    /**
     * Called with every message on a subscribed topic but the echo. Synchronous: it
     * runs inside the socket's data event, before the next chunk is read.
     */
    onMessage: (topic: string, payload: string, bytes: number) => void = null
    /** a message the link could not deliver (over MAX_PACKET_BYTES), with why */
    onDropped: (detail: string) => void = null
    onUp: () => Promise<void> = null
    onDown: (why: string) => void = null

    constructor(s: StallSettings, id: StallIdentity) {
        this.id = id
        const tls = s.mqttProto === "tls"
        this.host = s.mqttHost
        this.port = tls ? -s.mqttPort : s.mqttPort
        this.echoTopic = stallTopic(id.prefix, id.stallId, "echo")
        this.policy = new LinkPolicy(tls ? TLS_OPEN_TIMEOUT_MS : TCP_OPEN_TIMEOUT_MS, () => Math.random())
        this.hello = connectPacket({
            clientId: "stall-" + id.stallId,
            username: s.mqttUser || undefined,
            password: s.mqttPassword || undefined,
            keepAliveS: 15,
            will: {
                topic: stallTopic(id.prefix, id.stallId, "status"),
                message: offlineMessage(id),
                qos: 1,
                retain: true,
            },
        })
        this.topics = [
            commandFilter(id.prefix, id.stallId),
            clockTopic(id.prefix),
            siteOccupancyTopic(id.prefix),
            stallTopic(id.prefix, id.stallId, "status"),
            this.echoTopic,
        ]
    }

    /** connected to the broker (CONNACK seen) */
    connected(): boolean {
        return this.policy.phase === LinkPhase.Connected
    }

    async start(): Promise<void> {
        const self = this
        sock._socketOnEvent = (event, arg) => self.onSocket(event, arg)
        setInterval(async () => self.tick(), LINK_TICK_MS)
        this.tick()
    }

    /** False when not sent (not connected, or the socket refused it). */
    async publish(p: Publish): Promise<boolean> {
        if (!this.connected()) return false
        return this.write(publishPacket(p.topic, p.payload, p.qos, p.retain))
    }

    private tick(): void {
        const a = this.policy.next(ds.millis())
        if (a === LinkAction.Open) {
            this.reader = new PacketReader()
            console.log("link: opening " + this.host + ":" + this.port)
            let r = -1
            try {
                r = sock._socketOpen(this.host, this.port)
            } catch (e) {
                console.log("link: " + (e as Error).message)
            }
            if (r !== 0) this.lost("can't open the socket: " + r)
        } else if (a === LinkAction.Close) {
            sock._socketClose()
            this.down(this.policy.reason)
        } else if (a === LinkAction.Echo) this.write(publishPacket(this.echoTopic, "1", 0, false))
    }

    private onSocket(event: SocketEvent, arg?: Buffer | string): void {
        const now = ds.millis()
        if (event === "open") {
            this.policy.opened(now)
            this.write(this.hello)
        } else if (event === "data") {
            if (!arg) {
                // the runtime could not allocate the chunk: the stream is cut, start over
                sock._socketClose()
                this.lost("a received chunk did not fit in the heap")
                if (this.onDropped) this.onDropped("a received chunk did not fit in the heap: connection reset")
                return
            }
            this.policy.heard(now)
            const packets = this.reader.feed(arg as Buffer)
            for (let i = 0; i < packets.length; i++) this.handle(packets[i])
            if (this.reader.broken) {
                sock._socketClose()
                this.lost("broker sent a " + this.reader.broken)
            }
        } else if (event === "error") this.lost("socket error: " + arg)
        else if (event === "close") this.lost("connection closed")
    }

    private handle(p: Packet): void {
        const now = ds.millis()
        if (p.type === PacketType.ConnAck) {
            if (p.body[1] === 0) {
                this.policy.accepted(now)
                this.write(subscribePacket(this.topics, [1, 1, 1, 1, 0]))
            } else {
                sock._socketClose()
                this.lost("broker refused the connection: code " + p.body[1])
            }
        } else if (p.type === PacketType.Publish) {
            const m = parsePublish(p)
            if (m.qos > 0) this.write(pubAckPacket(m.pid))
            if (m.topic === this.echoTopic) {
                this.policy.echoed(now)
                if (!this.up && this.connected()) {
                    this.up = true
                    const self = this
                    if (this.onUp) setTimeout(async () => await self.onUp(), 0)
                }
            } else if (!m.payload) {
                const detail =
                    (m.topic || "a topic") +
                    ": " +
                    p.length +
                    "-byte packet over the " +
                    MAX_PACKET_BYTES +
                    "-byte limit, skipped"
                console.log("link: " + detail)
                if (this.onDropped) this.onDropped(detail)
            } else if (this.onMessage) this.onMessage(m.topic, m.payload.toString(), m.payload.length)
        }
    }

    private write(b: Buffer): boolean {
        let r = -1
        try {
            r = sock._socketWrite(b)
        } catch (e) {
            console.log("link: " + (e as Error).message)
        }
        if (r === 0) return true
        console.log("link: write failed: " + r)
        return false
    }

    private lost(why: string): void {
        this.policy.lost(ds.millis(), why)
        this.down(why)
    }

    private down(why: string): void {
        console.log("link: " + why)
        if (!this.up) return
        this.up = false
        if (this.onDown) this.onDown(why)
    }
}
