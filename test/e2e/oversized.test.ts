import { afterAll, beforeAll, expect, test } from "vitest"
import { startMosquitto, type Broker } from "../../sim/live/broker"
import { Collector } from "../../sim/live/collector"
import type { Live } from "../../sim/live/index"
import { commandTopic } from "../../src/core/stall/index"
import { json, PREFIX, ready, sleep, STALL, startStall, topic } from "./stall"

// Messages of any size on a command topic, 1 KB to 64 KB, around the stall's receive
// limit (src/net/mqtt-packets.ts) and the old client's 16 KB two-byte length: each is
// reported with one event (command_rejected up to the limit, message_dropped past it)
// and the stall never restarts. First against a broker without a size limit (the
// stall's own defence), up to 8 KB: in the VM the runtime allocates each TCP chunk as
// one buffer before any of our code runs, and its Node host reads up to 64 KB at once,
// so a 32 KB message panics the live VM (measured: OutOfMemory, no stack; over 0xe000
// bytes it is a RangeError "buffer too big") whatever the client does; 16–20 KB pass on
// a quiet machine, but a 16,385-byte one panicked it once under the load of two CI runs
// (the chunk then arrives whole). An ESP32 reads 1 KB chunks (devicescript-esp32
// main/sock.c). Past that, the broker's message_size_limit (sim/live/broker.ts,
// docs/mosquitto.conf) is the defence, tested last with messages of 2 KB to 1 MB.
const ACK = commandTopic(PREFIX, STALL, "ack")
/** remaining length = 2 + topic + 2 (packet id) + payload */
const OVERHEAD = 2 + Buffer.byteLength(ACK) + 2
const LIMIT = 2560
const SIZES = [1024, 1025, 2048, LIMIT - OVERHEAD, LIMIT - OVERHEAD + 1, 4096, 8192]
/** dropped by the broker's limit before they reach the stall (the old client's 16 KB boundary among them) */
const HUGE = [2049, 16383 - OVERHEAD, 16384 - OVERHEAD, 16385, 20_000, 32_768, 49_152, 65_535, 65_536, 1 << 20]

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

test("past its limit the broker drops them, and the stall keeps running", async () => {
    // the same port, now with the default size limit: the stall reconnects by itself
    await broker.stop()
    broker = await startMosquitto({ port: broker.port })
    const c = live.collector
    await c.waitFor(
        (m) => m.topic === topic("event") && (m.json as any).kind === "link_reset",
        60_000,
        "the stall back on the limited broker",
        c.count
    )
    await sleep(1000)
    const since = c.count
    const linesBefore = live.vm.lineCount
    for (const bytes of HUGE) await c.publish(ACK, ackOf(bytes))
    await c.publish(ACK, ackOf(1025))
    const e = await c.waitFor((m) => m.topic === topic("event"), 20_000, "the 1025-byte ack's rejection", since)
    console.log(`e2e: broker log: ${broker.log.filter((l) => /size|large|limit/i.test(l)).join(" | ") || "(nothing)"}`)
    expect((e.json as any).detail).toBe("ack: payload over 1024 bytes")
    await sleep(2000)
    // none of the huge ones arrived: one event only, no boot, no offline
    expect(json(c.received.slice(since), "event").length).toBe(1)
    expect(json(c.received.slice(since), "status").filter((s) => s.state === "offline")).toEqual([])
    expect(live.vm.lines.slice(linesBefore).filter((l) => /boot \d|link down/.test(l))).toEqual([])
})
