import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, expect, test } from "vitest"
import { openDb } from "../../../sim/backend/db"
import { connectionCapacity, runShardedFleet, split } from "../../../sim/fleet/shards"

// The fleet spread over processes and two mosquittos, the second bridged into the first:
// the records of both reach the one backend process, every one stored once and acked.
const dir = mkdtempSync(join(tmpdir(), "shards-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

test("split: near-equal parts that add up", () => {
    expect(split(10, 3)).toEqual([4, 3, 3])
    expect(split(30_000, 4)).toEqual([7500, 7500, 7500, 7500])
    expect(split(2, 2)).toEqual([1, 1])
})

test("a broker's capacity comes from this machine's limits", () => {
    const c = connectionCapacity()
    expect(c.connections).toBeGreaterThan(0)
    if (c.openFiles !== null) expect(c.connections).toBeLessThan(c.openFiles)
    if (c.ephemeralPorts !== null) expect(c.connections).toBeLessThan(c.ephemeralPorts)
})

test("3 shards on 2 bridged mosquittos into one backend: every record one row, acked", async () => {
    const dbUrl = `sqlite:${join(dir, "shards.db")}`
    const r = await runShardedFleet({ stalls: 30, minutes: 180, speed: 1200, workers: 3, brokers: 2, dbUrl })
    expect(r.brokers.map((b) => [b.stalls, b.bridgedTo !== null])).toEqual([
        [20, false],
        [10, true],
    ])
    expect(r.records.published).toBeGreaterThan(30)
    expect(r.records).toMatchObject({ lost: 0, unacked: 0, rejected: 0, failed: 0 })
    expect(r.records).toMatchObject({ stored: r.records.published, rows: r.records.published })
    expect(r.records.acked).toBeGreaterThanOrEqual(r.records.published)
    expect(r.memoryMb.shards).toHaveLength(3)
    expect(r.cpuSeconds.shards.every((s) => s > 0)).toBe(true)
    expect(r.cpuSeconds.backend).toBeGreaterThan(0)
    expect(r.ok).toBe(true)
    // stalls of every shard, numbered without overlap
    const db = await openDb(dbUrl)
    const rows = await db.all("SELECT stall_id, COUNT(*) AS n FROM sessions GROUP BY stall_id ORDER BY stall_id")
    await db.close()
    const ids = rows.map((x) => String(x.stall_id))
    expect(ids.some((id) => id <= "F0010") && ids.some((id) => id > "F0020")).toBe(true)
    expect(rows.reduce((n, x) => n + Number(x.n), 0)).toBe(r.records.published)
}, 180_000)
