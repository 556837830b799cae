import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { openDb, type Db } from "../../../sim/backend/db"
import { migrate } from "../../../sim/backend/schema"
import { BackendStore } from "../../../sim/backend/store"
import { startPostgres, type Postgres } from "../../helpers/postgres"
import { dayOfRecords } from "../../store/records"

// The store on both databases: the same SQL, the same answers.
const HOUR = 3_600_000
/** 2026-12-31 22:30 UTC = 23:30 in Berlin; 2027-01-01 00:30 Berlin is one hour later */
const NEW_YEARS_EVE = Date.UTC(2026, 11, 31, 22, 30)
const policy = { creditWh: 400_000, timeZone: "Europe/Berlin", reservationMs: 12 * HOUR }

let pg: Postgres
let dir: string
beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "backend-store-"))
    pg = await startPostgres()
}, 60_000)
afterAll(async () => {
    await pg?.stop()
    rmSync(dir, { recursive: true, force: true })
})

let n = 0
async function fresh(kind: "sqlite" | "postgres"): Promise<{ db: Db; store: BackendStore }> {
    let url = `sqlite:${join(dir, `t${n++}.db`)}`
    if (kind === "postgres") {
        const admin = await openDb(pg.url)
        const name = `t${n++}`
        await admin.all(`CREATE DATABASE ${name}`)
        await admin.close()
        url = pg.url.replace(/\/postgres$/, `/${name}`)
    }
    const db = await openDb(url)
    expect(await migrate(db)).toEqual([1])
    expect(await migrate(db)).toEqual([])
    return { db, store: new BackendStore(db, policy) }
}

const record = (over: Record<string, unknown> = {}) => ({ ...dayOfRecords(1)[0], ...over }) as any

describe.each(["sqlite", "postgres"] as const)("%s", (kind) => {
    test("a record stored three times is one row, unchanged by the resends", async () => {
        const { db, store } = await fresh(kind)
        const r = record()
        expect(await store.storeRecord(r, 1000)).toBe("stored")
        expect(await store.storeRecord(r, 2000)).toBe("duplicate")
        expect(await store.storeRecord({ ...r, energyWh: 1 }, 3000)).toBe("duplicate")
        expect(await store.count("sessions")).toBe(1)
        const [row] = await store.sessions({})
        expect(row).toMatchObject({ sessionId: r.sessionId, energyWh: r.energyWh, totalMinor: r.cost.totalMinor })
        expect(Number((await db.all("SELECT received_at FROM sessions"))[0].received_at)).toBe(1000)
        await db.close()
    })

    test("a batch in one transaction: a later copy is a duplicate; a failing batch stores none of it", async () => {
        const { db, store } = await fresh(kind)
        const [a, b] = dayOfRecords(2) as any[]
        expect(await store.storeRecords([a, b, a], 1000)).toEqual(["stored", "stored", "duplicate"])
        expect(await store.count("sessions")).toBe(2)
        const [c] = dayOfRecords(3).slice(2) as any[]
        // cost missing: the insert throws half-way, and the batch's first record goes with it
        await expect(
            store.storeRecords([c, { ...record(), sessionId: "S1-9-9", cost: undefined }], 2000)
        ).rejects.toThrow()
        expect(await store.count("sessions")).toBe(2)
        await db.close()
    })

    test("concurrent stores of one record: one row", async () => {
        const { db, store } = await fresh(kind)
        const r = record()
        const results = await Promise.all([1, 2, 3, 4].map((i) => store.storeRecord(r, i)))
        expect(results.filter((x) => x === "stored")).toHaveLength(1)
        expect(await store.count("sessions")).toBe(1)
        await db.close()
    })

    test("the credit: what is used on 31 December does not reduce 1 January's", async () => {
        const { db, store } = await fresh(kind)
        const dec = await store.reserve("acct-1", "S1", NEW_YEARS_EVE)
        expect(dec).toMatchObject({ creditYear: 2026, freeWh: 400_000, usedWh: 0 })
        await store.storeRecord(
            record({
                account: "acct-1",
                stallId: "S1",
                sessionId: "S1-1-1",
                freeWhUsed: 150_000,
                pluggedAt: NEW_YEARS_EVE,
            }),
            NEW_YEARS_EVE + 10 * 60_000
        )
        // later on the 31st: the rest of 2026's credit
        expect(await store.reserve("acct-1", "S2", NEW_YEARS_EVE + 20 * 60_000)).toMatchObject({
            creditYear: 2026,
            usedWh: 150_000,
            freeWh: 250_000,
        })
        // an hour later it is 2027 in Berlin: the full credit, nothing carried over
        const jan = await store.reserve("acct-2027", "S1", NEW_YEARS_EVE + HOUR)
        expect(jan.creditYear).toBe(2027)
        expect(await store.reserve("acct-1", "S3", NEW_YEARS_EVE + HOUR)).toMatchObject({
            creditYear: 2027,
            usedWh: 0,
            reservedWh: 0,
            freeWh: 400_000,
        })
        await db.close()
    })

    test("a session plugged in before midnight counts in its authorization's year", async () => {
        const { db, store } = await fresh(kind)
        await store.reserve("acct-1", "S1", NEW_YEARS_EVE)
        // plugged in at 00:10 on 1 January (Berlin), authorized on the 31st
        await store.storeRecord(
            record({
                account: "acct-1",
                stallId: "S1",
                sessionId: "S1-1-1",
                freeWhUsed: 90_000,
                pluggedAt: NEW_YEARS_EVE + 40 * 60_000,
            }),
            NEW_YEARS_EVE + HOUR
        )
        expect((await store.sessions({}))[0].creditYear).toBe(2026)
        expect((await store.reserve("acct-1", "S1", NEW_YEARS_EVE + 2 * HOUR)).freeWh).toBe(400_000)
        await db.close()
    })

    test("two stalls authorizing one account at once share the credit, never both the full", async () => {
        const { db, store } = await fresh(kind)
        const t = Date.UTC(2026, 5, 1)
        await store.storeRecord(
            record({ account: "acct-9", sessionId: "stall-1-3-99", freeWhUsed: 100_000, pluggedAt: t }),
            t
        )
        // the account is known already (an old, expired authorization): only a row lock serializes them
        await store.reserve("acct-9", "S0", t - 13 * HOUR)
        // PostgreSQL: a connection each, open already, so the four transactions overlap
        if (kind === "postgres") await Promise.all([1, 2, 3, 4].map(() => db.all("SELECT pg_sleep(0.05)")))
        const grants = await Promise.all(["S1", "S2", "S3", "S4"].map((s) => store.reserve("acct-9", s, t + 1000)))
        const free = grants.map((g) => g.freeWh).sort((a, b) => b - a)
        expect(free).toEqual([300_000, 0, 0, 0])
        await db.close()
    })

    test("a reservation with no record expires; a record settles its reservation", async () => {
        const { db, store } = await fresh(kind)
        const t = Date.UTC(2026, 5, 1)
        const g = await store.reserve("acct-5", "S1", t)
        expect(g.freeWh).toBe(400_000)
        expect((await store.reserve("acct-5", "S2", t + HOUR)).freeWh).toBe(0)
        // both expired after 12 h without a record
        expect((await store.reserve("acct-5", "S3", t + 13 * HOUR)).freeWh).toBe(400_000)
        // S3's record: 50 kWh used; the reservation is settled, the use counts
        await store.storeRecord(
            record({
                account: "acct-5",
                stallId: "S3",
                sessionId: "S3-1-1",
                freeWhUsed: 50_000,
                pluggedAt: t + 13 * HOUR,
            }),
            t + 14 * HOUR
        )
        const settled = await db.all("SELECT session_id FROM reservations WHERE stall_id = $1", ["S3"])
        expect(settled.map((r) => r.session_id)).toEqual(["S3-1-1"])
        expect((await store.reserve("acct-5", "S4", t + 15 * HOUR)).freeWh).toBe(350_000)
        await db.close()
    })

    test("the export filters by unplug time and account", async () => {
        const { db, store } = await fresh(kind)
        const recs = dayOfRecords(4)
        for (const r of recs) await store.storeRecord(r, 0)
        const all = await store.sessions({})
        expect(all.map((s) => s.sessionId)).toEqual(recs.map((r) => r.sessionId))
        const mid = await store.sessions({ fromMs: recs[1].unpluggedAt!, toMs: recs[3].unpluggedAt! })
        expect(mid.map((s) => s.sessionId)).toEqual([recs[1].sessionId, recs[2].sessionId])
        expect((await store.sessions({ account: recs[2].account! })).map((s) => s.sessionId)).toEqual([
            recs[2].sessionId,
        ])
        await db.close()
    })
})
