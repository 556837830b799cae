import fc from "fast-check"
import mqttPacket from "mqtt-packet"
import { describe, expect, test } from "vitest"
import {
    connectPacket,
    HEAD_BYTES,
    MAX_PACKET_BYTES,
    PacketReader,
    PacketType,
    parsePublish,
    publishPacket,
    pubAckPacket,
    subscribePacket,
} from "../../src/net/mqtt-packets"

/** what a broker sends: PUBLISH of `bytes` payload on `topic` */
function brokerPublish(topic: string, bytes: number, qos: 0 | 1, messageId = 7): Buffer {
    return mqttPacket.generate({
        cmd: "publish",
        topic,
        payload: Buffer.alloc(bytes, 0x30), // "0000…": looks like PUBLISH headers if misframed
        qos,
        messageId: qos ? messageId : undefined,
        retain: false,
        dup: false,
    } as any)
}

/** the bytes split at the given cut points */
function chunks(all: Buffer, cuts: number[]): Buffer[] {
    const at = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b)
    const out: Buffer[] = []
    let prev = 0
    for (const c of [...at, all.length]) {
        if (c > prev) out.push(all.subarray(prev, c))
        prev = c
    }
    return out
}

function parseAll(b: Buffer): any[] {
    const parser = mqttPacket.parser({ protocolVersion: 4 })
    const out: any[] = []
    parser.on("packet", (p) => out.push(p))
    parser.on("error", (e) => {
        throw e
    })
    parser.parse(b)
    return out
}

describe("what the stall sends, read by mqtt-packet", () => {
    test("CONNECT with the will and credentials", () => {
        const [p] = parseAll(
            connectPacket({
                clientId: "stall-S1",
                username: "S1",
                password: "pw",
                keepAliveS: 15,
                will: { topic: "stalls/S1/status", message: '{"state":"offline"}', qos: 1, retain: true },
            })
        )
        expect(p).toMatchObject({
            cmd: "connect",
            protocolVersion: 4,
            clean: true,
            keepalive: 15,
            clientId: "stall-S1",
            username: "S1",
            will: { topic: "stalls/S1/status", qos: 1, retain: true },
        })
        expect(p.password.toString()).toBe("pw")
        expect(p.will.payload.toString()).toBe('{"state":"offline"}')
    })

    test("PUBLISH, SUBSCRIBE, PUBACK", () => {
        const big = "é".repeat(200) // > 127 bytes: a two-byte remaining length
        const [pub, sub, ack] = parseAll(
            Buffer.concat([
                publishPacket("stalls/S1/event", big, 1, false),
                subscribePacket(["stalls/S1/cmd/#", "stalls/S1/echo"], [1, 0]),
                pubAckPacket(513),
            ])
        )
        expect(pub).toMatchObject({ cmd: "publish", topic: "stalls/S1/event", qos: 1, retain: false })
        expect(pub.payload.toString()).toBe(big)
        expect(sub.subscriptions).toEqual([
            { topic: "stalls/S1/cmd/#", qos: 1 },
            { topic: "stalls/S1/echo", qos: 0 },
        ])
        expect(ack).toMatchObject({ cmd: "puback", messageId: 513 })
        const [retained] = parseAll(publishPacket("t", "", 0, true))
        expect(retained).toMatchObject({ topic: "t", qos: 0, retain: true })
    })
})

describe("PacketReader", () => {
    test("a 20,000-byte command is skipped, named and acknowledgeable, and the next one is read", () => {
        const r = new PacketReader()
        const all = Buffer.concat([
            brokerPublish("stalls/S1/cmd/ack", 20_000, 1, 9),
            brokerPublish("stalls/S1/cmd/ack", 20, 1, 10),
        ])
        const got = chunks(
            all,
            Array.from({ length: 30 }, (_, i) => i * 1024)
        ).flatMap((c) => r.feed(c))
        expect(got.map((p) => [p.type, p.whole])).toEqual([
            [PacketType.Publish, false],
            [PacketType.Publish, true],
        ])
        expect(got[0].body.length).toBe(HEAD_BYTES)
        expect(parsePublish(got[0])).toEqual({ topic: "stalls/S1/cmd/ack", payload: null, qos: 1, pid: 9 })
        const m = parsePublish(got[1])
        expect([m.topic, m.pid, m.payload!.length]).toEqual(["stalls/S1/cmd/ack", 10, 20])
        expect(r.broken).toBe("")
    })

    test("a skipped packet whose topic does not fit the head is still skipped whole", () => {
        const r = new PacketReader()
        const got = r.feed(Buffer.concat([brokerPublish("x".repeat(1000), 3000, 1), brokerPublish("t", 1, 0)]))
        expect(got.length).toBe(2)
        expect(parsePublish(got[0])).toMatchObject({ topic: "", payload: null })
        expect(parsePublish(got[1]).topic).toBe("t")
    })

    test("a length field of five bytes breaks the stream (the link closes it)", () => {
        const r = new PacketReader()
        r.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]))
        expect(r.broken).toMatch(/malformed/)
    })

    test("property: any packets, any chunking: the same packets, none buffered past the limit", () => {
        const packet = fc.record({
            topic: fc.string({ minLength: 1, maxLength: 40 }),
            bytes: fc.oneof(
                fc.integer({ min: 0, max: 300 }),
                fc.integer({ min: MAX_PACKET_BYTES - 60, max: MAX_PACKET_BYTES + 60 }),
                fc.integer({ min: 16_300, max: 16_400 }),
                fc.integer({ min: 0, max: 70_000 })
            ),
            qos: fc.constantFrom(0 as const, 1 as const),
        })
        fc.assert(
            fc.property(
                fc.array(packet, { minLength: 1, maxLength: 8 }),
                fc.array(fc.nat(), { maxLength: 40 }),
                (ps, cuts) => {
                    const wire = ps.map((p, i) => brokerPublish(p.topic, p.bytes, p.qos, i + 1))
                    const r = new PacketReader()
                    const got = chunks(Buffer.concat(wire), cuts).flatMap((c) => r.feed(c))
                    expect(got.length).toBe(ps.length)
                    got.forEach((g, i) => {
                        const remaining = wire[i].length - (wire[i].length > 16386 ? 4 : wire[i].length > 129 ? 3 : 2)
                        expect(g.length).toBe(remaining)
                        expect(g.whole).toBe(remaining <= MAX_PACKET_BYTES)
                        expect(g.body.length).toBeLessThanOrEqual(Math.max(MAX_PACKET_BYTES, HEAD_BYTES))
                        const m = parsePublish(g)
                        if (g.whole) {
                            expect(m.topic).toBe(ps[i].topic)
                            expect(m.payload!.length).toBe(ps[i].bytes)
                        } else expect(m.payload).toBeNull()
                        if (ps[i].qos && m.topic) expect(m.pid).toBe(i + 1)
                    })
                }
            ),
            { numRuns: 300 }
        )
    })
})
