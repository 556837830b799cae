import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, expect, test } from "vitest"
import { openDb } from "../../../sim/backend/db"
import { runFleet } from "../../../sim/fleet/fleet"
import { startPostgres, type Postgres } from "../../helpers/postgres"

// A fleet through the site backend: every record a stall closed is one row, acked.
let pg: Postgres
let dir: string
beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fleet-db-"))
    pg = await startPostgres()
}, 60_000)
afterAll(async () => {
    await pg?.stop()
    rmSync(dir, { recursive: true, force: true })
})

test.each(["sqlite", "postgres"] as const)(
    "%s: 20 stalls for 3 simulated hours, every record stored exactly once",
    async (kind) => {
        const dbUrl = kind === "sqlite" ? `sqlite:${join(dir, "fleet.db")}` : pg.url
        const r = await runFleet({ stalls: 20, minutes: 180, speed: 1200, dbUrl, drainMs: 30_000 })
        expect(r.sessionsClosed).toBeGreaterThan(20)
        expect(r.records).toMatchObject({ lost: 0, unacked: 0, received: r.sessionsClosed })
        expect(r.db).toMatchObject({ rows: r.sessionsClosed, stored: r.sessionsClosed, rejected: 0, failed: 0 })
        expect(r.ok).toBe(true)
        // and the database says so itself
        const db = await openDb(dbUrl)
        const rows = await db.all("SELECT COUNT(*) AS n, COUNT(DISTINCT session_id) AS ids FROM sessions")
        await db.close()
        expect(Number(rows[0].n)).toBe(r.sessionsClosed)
        expect(Number(rows[0].ids)).toBe(r.sessionsClosed)
    },
    120_000
)
