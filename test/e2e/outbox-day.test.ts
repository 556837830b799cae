import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import { Collector, type Received } from "../../sim/live/collector"
import { check, cmd, drive, topic, startStall, ready } from "./stall"

// A site network down for a busy day, compressed: the broker is gone while SESSIONS
// sessions close and the stall restarts once (its RAM gone, only flash left); when the
// broker is back every record arrives, the backend acks each, and the stall says its
// outbox is empty. The consumer keeps one record per sessionId: every copy of one is the same.
const SESSIONS = 12

let live: Live
beforeAll(async () => {
    live = await startStall("mosquitto")
    await ready(live)
})
afterAll(async () => live?.stop())

const sessions = (m: Received) => m.topic === topic("session")
const idOf = (m: Received) => (m.json as any).sessionId as string

test(`${SESSIONS} records made while the broker was down: each delivered, acked, outbox empty`, async () => {
    const c = live.collector
    await live.broker!.kill()
    for (let i = 0; i < SESSIONS; i++)
        await drive(live, [
            [{ pilot: "B", volts: 400, amps: 0 }, 700],
            [{ pilot: "C", volts: 400, amps: 100 + 10 * i }, 1500],
            [{ pilot: "A", volts: 0, amps: 0 }, 800],
        ])
    // a restart with the broker still away: what is not in flash is gone now
    await live.vm.kill()
    await live.vm.restart()
    const since = c.count
    await live.broker!.restart()
    const boot = await c.waitFor((m) => (m.json as any)?.kind === "boot", 60_000, "boot event", since)
    expect((boot.json as any).detail).toContain(`${SESSIONS} records pending`)

    // records arrive RESEND_BATCH a tick: each new one renews the deadline
    const ids = new Set<string>()
    while (ids.size < SESSIONS) {
        const next = await c.waitFor(
            (m) => sessions(m) && !ids.has(idOf(m)),
            30_000,
            `record ${ids.size + 1} of ${SESSIONS}`,
            since
        )
        ids.add(idOf(next))
    }
    const copies = c.received.filter(sessions)
    const byId = new Map<string, Set<string>>()
    for (const m of copies) {
        const id = idOf(m)
        byId.set(id, (byId.get(id) ?? new Set<string>()).add(m.payload))
    }
    expect(byId.size).toBe(SESSIONS)
    for (const [id, payloads] of byId) expect(payloads.size, id).toBe(1)
    const seqs = copies.map((m) => (m.json as any).sessionSeq)
    expect([...new Set(seqs)].sort((a, b) => a - b)).toEqual(Array.from({ length: SESSIONS }, (_, i) => i + 1))
    // one lineage: the restart resumed the accounts, it did not start new ones
    expect(new Set([...byId.keys()].map((id) => id.replace(/-\d+$/, ""))).size).toBe(1)

    // the backend acks each: the stall republishes its status with nothing held
    const acked = c.count
    for (const id of byId.keys()) await cmd(live, "ack", { sessionId: id })
    const empty = await c.waitFor(
        (m) => m.topic === topic("status") && (m.json as any)?.outbox === 0,
        30_000,
        "status with an empty outbox",
        acked
    )
    expect(empty.json).toMatchObject({ state: "available" })
    // and it is what the broker keeps for a backend or app that subscribes later
    const fresh = await Collector.start(live.brokerAddress.url, { topics: topic("status") })
    const retained = await fresh.waitFor((m) => m.retain, 10_000, "retained status")
    await fresh.close()
    expect(retained.json).toMatchObject({ state: "available", outbox: 0 })
    expect(check(c.received).schemaErrors).toEqual([])
}, 240_000)
