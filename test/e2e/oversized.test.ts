import { afterAll, beforeAll, expect, test } from "vitest"
import { startMosquitto, type Broker } from "../../sim/live/broker"
import { Collector } from "../../sim/live/collector"
import type { Live } from "../../sim/live/index"
import { commandTopic } from "../../src/core/stall/index"
import { json, PREFIX, ready, sleep, STALL, startStall, topic } from "./stall"

// Messages of any size on a command topic, 1 KB to 64 KB, around the stall's receive
// limit (src/net/mqtt-reader.ts) and the old client's 16 KB two-byte length: each is
// reported with one event (command_rejected up to the limit, message_dropped past it)
// and the stall never restarts. The broker here has no size limit, so the stall's own
// defence is what is tested; the broker's limit (the second line) is tested below.
const ACK = commandTopic(PREFIX, STALL, "ack")
/** remaining length = 2 + topic + 2 (packet id) + payload */
const OVERHEAD = 2 + Buffer.byteLength(ACK) + 2
const LIMIT = 2560
const SIZES = [
    1024,
    1025,
    2048,
    LIMIT - OVERHEAD,
    LIMIT - OVERHEAD + 1,
    4096,
    8192,
    16383 - OVERHEAD,
    16384 - OVERHEAD,
    16385,
    20_000,
    32_768,
    65_535,
    65_536,
]

/** a JSON ack whose payload is exactly `bytes` long */
const ackOf = (bytes: number) => `{"sessionId":"${"0".repeat(bytes - 16)}"}`

let broker: Broker
let live: Live
beforeAll(async () => {
    broker = await startMosquitto({ messageSizeLimit: 0 })
    live = await startStall(broker.url)
    await ready(live)
})
afterAll(async () => {
    await live?.stop()
    await broker?.stop()
})

test("a message of any size is reported and never restarts the stall", async () => {
    const c = live.collector
    const since = c.count
    const linesBefore = live.vm.lineCount
    const events = () => json(c.received.slice(since), "event")
    for (const [i, bytes] of SIZES.entries()) {
        const payload = ackOf(bytes)
        expect(Buffer.byteLength(payload)).toBe(bytes)
        const t0 = Date.now()
        await c.publish(ACK, payload)
        const want = bytes + OVERHEAD > LIMIT ? "message_dropped" : "command_rejected"
        await c.waitFor(() => events().length > i, 20_000, `an event for a ${bytes}-byte ack (#${i + 1})`, since)
        const e = events()[i]
        console.log(`e2e: ${bytes}-byte ack -> ${e.kind} in ${Date.now() - t0} ms: ${e.detail}`)
        expect(e.kind).toBe(want)
    }
    await sleep(3000)
    expect(events().length).toBe(SIZES.length)
    // still the same boot, never offline, the link never reset
    expect(events().filter((e) => e.kind === "boot")).toEqual([])
    expect(json(c.received.slice(since), "status").filter((s) => s.state === "offline")).toEqual([])
    expect(live.vm.lines.slice(linesBefore).filter((l) => /link down|boot \d/.test(l))).toEqual([])
})

test("the broker's own limit drops a 64 KB message and passes a command", async () => {
    const limited = await startMosquitto()
    try {
        const sub = await Collector.start(limited.url, { topics: "t/#" })
        await sub.publish("t/big", "x".repeat(65_536))
        await sub.publish("t/small", "x".repeat(1024))
        await sub.waitFor((m) => m.topic === "t/small", 10_000, "the small message")
        await sleep(500)
        expect(sub.received.filter((m) => m.topic === "t/big")).toEqual([])
        await sub.close()
    } finally {
        await limited.stop()
    }
})
