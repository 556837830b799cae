// One schema for SQLite and PostgreSQL, as numbered migrations: each runs once, in
// order, in a transaction, and is recorded in schema_migrations. Types both databases
// read the same way: TEXT, BIGINT (integers to 2^63; every value here is below 2^53).
import type { Db } from "./db"

export const MIGRATIONS: readonly { version: number; what: string; sql: readonly string[] }[] = [
    {
        version: 1,
        what: "sessions, rejects, credit reservations",
        sql: [
            // one row per record (sessionId), as the stall sent it, with the columns billing queries
            `CREATE TABLE sessions (
                session_id TEXT PRIMARY KEY,
                stall_id TEXT NOT NULL,
                account TEXT,
                tariff_id TEXT NOT NULL,
                currency TEXT NOT NULL,
                plugged_at BIGINT,
                unplugged_at BIGINT,
                credit_year INTEGER NOT NULL,
                energy_wh BIGINT NOT NULL,
                free_wh_used BIGINT NOT NULL,
                time_minor BIGINT NOT NULL,
                energy_minor BIGINT NOT NULL,
                idle_minor BIGINT NOT NULL,
                total_minor BIGINT NOT NULL,
                record TEXT NOT NULL,
                received_at BIGINT NOT NULL
            )`,
            `CREATE INDEX sessions_account_year ON sessions (account, credit_year)`,
            `CREATE INDEX sessions_unplugged_at ON sessions (unplugged_at)`,
            // records that failed validation: never acked, kept with the reason
            `CREATE TABLE rejects (
                topic TEXT NOT NULL,
                payload TEXT NOT NULL,
                reason TEXT NOT NULL,
                received_at BIGINT NOT NULL
            )`,
            // one row per account, locked while its credit is reserved (PostgreSQL: FOR UPDATE)
            `CREATE TABLE accounts (account TEXT PRIMARY KEY)`,
            // credit handed to a stall at authorization, until its record settles it or it expires
            `CREATE TABLE reservations (
                reservation_id TEXT PRIMARY KEY,
                account TEXT NOT NULL,
                stall_id TEXT NOT NULL,
                credit_year INTEGER NOT NULL,
                free_wh BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                session_id TEXT
            )`,
            `CREATE INDEX reservations_open ON reservations (account, credit_year, session_id)`,
        ],
    },
]

/** Brings the schema up to date; returns the versions it applied. */
export async function migrate(db: Db): Promise<number[]> {
    await db.all(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)"
    )
    const applied: number[] = []
    for (const m of MIGRATIONS) {
        const done = await db.tx(async (q) => {
            // PostgreSQL: a second instance migrating at the same time waits here
            if (db.kind === "postgres") await q.all("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
            const have = await q.all("SELECT version FROM schema_migrations WHERE version = $1", [m.version])
            if (have.length > 0) return false
            for (const s of m.sql) await q.all(s)
            await q.all("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [m.version, Date.now()])
            return true
        })
        if (done) applied.push(m.version)
    }
    return applied
}
