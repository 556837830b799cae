/*
 * MQTT 3.1.1 packets for the stall's link: what it sends, and a reader that frames what
 * it receives with bounded memory. Pure (Buffer only, no @devicescript imports): runs in
 * Node and in the VM.
 *
 * Forked, much reduced, from @devicescript/net 2.16.4 src/mqtt.ts
 * (https://github.com/microsoft/devicescript, packages/net), itself a port of
 * micro-mqtt (https://github.com/rovale/micro-mqtt). DeviceScript's licence (MIT):
 *
 *   Copyright (c) Microsoft Corporation.
 *
 *   Permission is hereby granted, free of charge, to any person obtaining a copy of
 *   this software and associated documentation files (the "Software"), to deal in the
 *   Software without restriction, including without limitation the rights to use,
 *   copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the
 *   Software, and to permit persons to whom the Software is furnished to do so,
 *   subject to the following conditions: The above copyright notice and this
 *   permission notice shall be included in all copies or substantial portions of the
 *   Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
 *   OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 *   FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 *   AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY,
 *   WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN
 *   CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
 *
 * Why the fork: the original copies every received chunk onto the previous ones until a
 * packet is whole, builds a hex string of each chunk for its trace, splits a chunk of
 * many packets by recursion, and reads at most two bytes of remaining length: a packet
 * over 16383 bytes is "too large", its bytes are then parsed as new packets.
 */

/** MQTT control packet types */
export const enum PacketType {
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    Subscribe = 8,
    SubAck = 9,
    PingResp = 13,
}

/**
 * The largest packet (remaining length) the stall keeps: the broker's 2048-byte
 * payload limit (docs/mosquitto.conf) plus a topic of up to ~500 bytes. Bigger ones
 * are skipped as they stream in, never buffered.
 */
export const MAX_PACKET_BYTES = 2560
/** of a skipped packet, the bytes kept to name its topic and acknowledge it */
export const HEAD_BYTES = 260

/** One received packet. `whole` false: over the limit, `body` holds only its first HEAD_BYTES. */
export interface Packet {
    type: number
    flags: number
    /** remaining length, as declared */
    length: number
    body: Buffer
    whole: boolean
}

/** A received PUBLISH: `payload` null when it was skipped; `topic` "" when not even that fitted. */
export interface Publish {
    topic: string
    payload: Buffer | null
    qos: number
    /** 0 without one */
    pid: number
}

function bytesOf(s: string): Buffer {
    return Buffer.from(s)
}

function join(parts: Buffer[]): Buffer {
    let n = 0
    for (const p of parts) n += p.length
    const out = Buffer.alloc(n)
    let at = 0
    for (const p of parts) {
        out.set(p, at)
        at += p.length
    }
    return out
}

/** a length-prefixed string */
function str(s: string): Buffer {
    const b = bytesOf(s)
    return join([u16(b.length), b])
}

function u16(n: number): Buffer {
    const b = Buffer.alloc(2)
    b[0] = (n >> 8) & 255
    b[1] = n & 255
    return b
}

function packet(first: number, parts: Buffer[]): Buffer {
    const body = join(parts)
    const len: number[] = [first]
    let n = body.length
    for (;;) {
        const d = n & 127
        n = n >> 7
        len.push(n > 0 ? d | 128 : d)
        if (n === 0) break
    }
    return join([Buffer.from(len), body])
}

export interface ConnectOptions {
    clientId: string
    username?: string
    password?: string
    keepAliveS: number
    will: { topic: string; message: string; qos: number; retain: boolean }
}

/** CONNECT, clean session, with the will */
export function connectPacket(o: ConnectOptions): Buffer {
    let flags = 2 | 4 | (o.will.qos << 3) | (o.will.retain ? 32 : 0)
    const parts = [str("MQTT"), Buffer.from([4, 0, 0, o.keepAliveS]), str(o.clientId), str(o.will.topic)]
    parts.push(str(o.will.message))
    if (o.username) {
        flags = flags | 128
        parts.push(str(o.username))
        if (o.password) {
            flags = flags | 64
            parts.push(str(o.password))
        }
    }
    parts[1][1] = flags
    return packet(PacketType.Connect << 4, parts)
}

/** PUBLISH; QoS 1 always uses packet id 1 (delivery is proven by the application: docs/mqtt.md) */
export function publishPacket(topic: string, payload: string, qos: number, retain: boolean): Buffer {
    const parts = [str(topic)]
    if (qos > 0) parts.push(u16(1))
    parts.push(bytesOf(payload))
    return packet((PacketType.Publish << 4) | (qos << 1) | (retain ? 1 : 0), parts)
}

/** one SUBSCRIBE for all the topics */
export function subscribePacket(topics: string[], qos: number[]): Buffer {
    const parts = [u16(1)]
    for (let i = 0; i < topics.length; i++) {
        parts.push(str(topics[i]))
        parts.push(Buffer.from([qos[i]]))
    }
    return packet((PacketType.Subscribe << 4) | 2, parts)
}

export function pubAckPacket(pid: number): Buffer {
    return packet(PacketType.PubAck << 4, [u16(pid)])
}

/** the topic, QoS, packet id and (when whole) payload of a PUBLISH */
export function parsePublish(p: Packet): Publish {
    const b = p.body
    const qos = (p.flags >> 1) & 3
    const r: Publish = { topic: "", payload: null, qos: qos, pid: 0 }
    if (b.length < 2) return r
    const end = 2 + ((b[0] << 8) | b[1])
    if (end > b.length) return r
    r.topic = b.slice(2, end).toString()
    let off = end
    if (qos > 0) {
        if (off + 2 > b.length) return r
        r.pid = (b[off] << 8) | b[off + 1]
        off += 2
    }
    if (p.whole) r.payload = b.slice(off)
    return r
}

/**
 * Frames a byte stream into packets without ever holding more than one packet of at
 * most `maxBytes` (plus the chunk the caller has): a bigger one is skipped as it
 * streams in, only its first HEAD_BYTES kept. No recursion, no concatenation.
 */
export class PacketReader {
    /** set when the stream cannot be framed any more (a length field over 4 bytes): close it */
    broken = ""
    private state = 0 // 0 fixed header, 1 remaining length, 2 body
    private first = 0
    private length = 0
    private scale = 1
    private got = 0
    private keep = 0
    private buf: Buffer = null as any

    constructor(readonly maxBytes = MAX_PACKET_BYTES) {}

    /** the packets completed by this chunk, in order */
    feed(chunk: Buffer): Packet[] {
        const out: Packet[] = []
        const n = chunk.length
        let i = 0
        while (i < n && !this.broken) {
            if (this.state === 0) {
                this.first = chunk[i++]
                this.length = 0
                this.scale = 1
                this.state = 1
            } else if (this.state === 1) {
                const d = chunk[i++]
                this.length += (d & 127) * this.scale
                this.scale = this.scale * 128
                if (d & 128) {
                    if (this.scale > 2097152) this.broken = "malformed remaining length"
                } else {
                    this.keep = this.length <= this.maxBytes ? this.length : HEAD_BYTES
                    this.buf = Buffer.alloc(this.keep)
                    this.got = 0
                    this.state = 2
                    if (this.length === 0) out.push(this.finish())
                }
            } else {
                let take = n - i
                if (take > this.length - this.got) take = this.length - this.got
                if (this.got < this.keep) {
                    const k = take < this.keep - this.got ? take : this.keep - this.got
                    this.buf.set(chunk.slice(i, i + k), this.got)
                }
                this.got += take
                i += take
                if (this.got === this.length) out.push(this.finish())
            }
        }
        return out
    }

    private finish(): Packet {
        this.state = 0
        const p: Packet = {
            type: this.first >> 4,
            flags: this.first & 15,
            length: this.length,
            body: this.buf,
            whole: this.length <= this.maxBytes,
        }
        this.buf = null as any
        return p
    }
}
