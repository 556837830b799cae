import mqtt from "mqtt"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect, test } from "vitest"
import { Backend } from "../../../sim/backend/backend"
import { startMosquitto } from "../../../sim/live/broker"
import { dayOfRecords, STALL_ID } from "../../store/records"

// Two backend instances on one shared subscription (mosquitto): the broker splits the
// records between them, and every record is one row and one ack.
test("two instances with --share split the records; each is stored once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "shared-"))
    const broker = await startMosquitto()
    const db = `sqlite:${join(dir, "shared.db")}`
    const a = await Backend.start({ brokerUrl: broker.url, dbUrl: db, shareGroup: "billing" })
    const b = await Backend.start({ brokerUrl: broker.url, dbUrl: db, shareGroup: "billing" })
    const stall = await mqtt.connectAsync(broker.url)
    try {
        const acks = new Set<string>()
        stall.on("message", (_t, buf) => acks.add(JSON.parse(buf.toString()).sessionId))
        await stall.subscribeAsync(`stalls/${STALL_ID}/cmd/ack`, { qos: 1 })
        const recs = dayOfRecords(40)
        for (const r of recs) await stall.publishAsync(`stalls/${STALL_ID}/session`, JSON.stringify(r), { qos: 1 })
        const end = Date.now() + 20_000
        while (acks.size < recs.length && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
        expect(acks.size).toBe(recs.length)
        expect(a.counts.received + b.counts.received).toBe(recs.length)
        expect(a.counts.received).toBeGreaterThan(0)
        expect(b.counts.received).toBeGreaterThan(0)
        expect(await a.store.count("sessions")).toBe(recs.length)
    } finally {
        await stall.endAsync()
        await a.stop()
        await b.stop()
        await broker.stop()
        rmSync(dir, { recursive: true, force: true })
    }
}, 60_000)
