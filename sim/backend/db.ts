// The backend's database: SQLite (embedded default, better-sqlite3) or PostgreSQL (pg),
// behind one small interface. SQL is written once, PostgreSQL style (`$1` parameters);
// for SQLite the parameters are rebound in order of appearance. Transactions run one at
// a time per connection pool on SQLite (a single connection), and under PostgreSQL's
// own isolation with row locks where the callers ask for them.
import type BetterSqlite3 from "better-sqlite3"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import type { Pool, PoolClient } from "pg"

export type Row = Record<string, unknown>

export interface Query {
    /** rows of a statement (empty for one without RETURNING) */
    all(sql: string, params?: readonly unknown[]): Promise<Row[]>
}

export interface Db extends Query {
    readonly kind: "sqlite" | "postgres"
    /** runs `fn` in one transaction: committed when it resolves, rolled back when it throws */
    tx<T>(fn: (q: Query) => Promise<T>): Promise<T>
    close(): Promise<void>
}

/** `sqlite:FILE` (or `sqlite::memory:`), `postgres://…` / `postgresql://…`; throws on anything else. */
export async function openDb(url: string): Promise<Db> {
    if (url.startsWith("sqlite:")) return await openSqlite(url.slice("sqlite:".length))
    if (/^postgres(ql)?:\/\//.test(url)) return await openPostgres(url)
    throw new Error(`--db: '${url}' is neither sqlite:FILE nor postgres://…`)
}

/** `$3 … $1 … $3` → `? … ? … ?` and the values in that order */
function sqliteStatement(sql: string, params: readonly unknown[]): { sql: string; values: unknown[] } {
    const values: unknown[] = []
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
        const i = Number(n) - 1
        if (i < 0 || i >= params.length) throw new Error(`SQL parameter $${n} has no value`)
        values.push(sqliteValue(params[i]))
        return "?"
    })
    return { sql: text, values }
}

function sqliteValue(v: unknown): unknown {
    if (typeof v === "boolean") return v ? 1 : 0
    return v === undefined ? null : v
}

async function openSqlite(file: string): Promise<Db> {
    if (!file) throw new Error("--db sqlite: needs a file name (sqlite:FILE or sqlite::memory:)")
    const { default: Database } = await import("better-sqlite3")
    if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true })
    const db: BetterSqlite3.Database = new Database(file)
    db.pragma("journal_mode = WAL")
    db.pragma("busy_timeout = 5000")
    db.defaultSafeIntegers(false)
    const all = async (sql: string, params: readonly unknown[] = []): Promise<Row[]> => {
        const s = sqliteStatement(sql, params)
        const stmt = db.prepare(s.sql)
        if (stmt.reader) return stmt.all(...s.values) as Row[]
        stmt.run(...s.values)
        return []
    }
    // one connection: transactions queue behind each other
    let chain: Promise<unknown> = Promise.resolve()
    return {
        kind: "sqlite",
        all,
        tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
            const run = chain.then(async () => {
                db.exec("BEGIN IMMEDIATE")
                try {
                    const r = await fn({ all })
                    db.exec("COMMIT")
                    return r
                } catch (e) {
                    db.exec("ROLLBACK")
                    throw e
                }
            })
            chain = run.catch(() => undefined)
            return run
        },
        async close() {
            await chain
            db.close()
        },
    }
}

async function openPostgres(url: string): Promise<Db> {
    const { default: pg } = await import("pg")
    // BIGINT (int8) as a JS number: every value here is an integer below 2^53
    pg.types.setTypeParser(20, (v: string) => Number(v))
    const pool: Pool = new pg.Pool({ connectionString: url, max: 8 })
    await (await pool.connect()).release()
    const on =
        (c: Pool | PoolClient) =>
        async (sql: string, params: readonly unknown[] = []) =>
            (await c.query(sql, params as unknown[])).rows as Row[]
    return {
        kind: "postgres",
        all: on(pool),
        async tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
            const c = await pool.connect()
            try {
                await c.query("BEGIN")
                const r = await fn({ all: on(c) })
                await c.query("COMMIT")
                return r
            } catch (e) {
                await c.query("ROLLBACK").catch(() => undefined)
                throw e
            } finally {
                c.release()
            }
        },
        async close() {
            await pool.end()
        },
    }
}
