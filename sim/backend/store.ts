// What the backend keeps, in SQL (db.ts runs it on SQLite or PostgreSQL): session
// records once per sessionId, rejects, and the yearly credit's reservations.
import { randomUUID } from "node:crypto"
import type { SessionMessage } from "../../src/core/stall/index"
import type { Db, Query, Row } from "./db"
import { creditYear, remainingWh } from "./ledger"

export interface CreditPolicy {
    /** the year's credit per account */
    creditWh: number
    /** IANA time zone of the site: which calendar year a moment belongs to */
    timeZone: string
    /** an open reservation counts for this long */
    reservationMs: number
}

export interface Grant {
    reservationId: string
    account: string
    stallId: string
    creditYear: number
    usedWh: number
    reservedWh: number
    /** what the stall is told: the credit left, now reserved */
    freeWh: number
}

export interface StoredSession {
    sessionId: string
    stallId: string
    account: string | null
    tariffId: string
    currency: string
    pluggedAt: number | null
    unpluggedAt: number | null
    creditYear: number
    energyWh: number
    freeWhUsed: number
    timeMinor: number
    energyMinor: number
    idleMinor: number
    totalMinor: number
}

const SUM = (col: string) => `CAST(COALESCE(SUM(${col}), 0) AS BIGINT)`

export class BackendStore {
    constructor(
        readonly db: Db,
        readonly policy: CreditPolicy
    ) {}

    /**
     * One row per sessionId: a resend changes nothing ("duplicate"). A record of an
     * authorized account settles that account's oldest open reservation on its stall
     * and counts in that reservation's year; otherwise in the year it was plugged in.
     */
    async storeRecord(rec: SessionMessage, receivedAt: number): Promise<"stored" | "duplicate"> {
        return (await this.storeRecords([rec], receivedAt))[0]
    }

    /** Records in one transaction (one commit for a burst); a later copy of a sessionId is a duplicate. */
    async storeRecords(recs: readonly SessionMessage[], receivedAt: number): Promise<("stored" | "duplicate")[]> {
        return await this.db.tx(async (q) => {
            const out: ("stored" | "duplicate")[] = []
            for (const rec of recs) out.push(await this.insert(q, rec, receivedAt))
            return out
        })
    }

    private async insert(q: Query, rec: SessionMessage, receivedAt: number): Promise<"stored" | "duplicate"> {
        const have = await q.all("SELECT 1 AS x FROM sessions WHERE session_id = $1", [rec.sessionId])
        if (have.length > 0) return "duplicate"
        const held = rec.account === null ? [] : await this.openReservation(q, rec.account, rec.stallId)
        const year =
            held.length > 0
                ? Number(held[0].credit_year)
                : creditYear(rec.pluggedAt ?? receivedAt, this.policy.timeZone)
        const inserted = await q.all(
            `INSERT INTO sessions (session_id, stall_id, account, tariff_id, currency, plugged_at, unplugged_at,
                    credit_year, energy_wh, free_wh_used, time_minor, energy_minor, idle_minor, total_minor, record, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 ON CONFLICT (session_id) DO NOTHING RETURNING session_id`,
            [
                rec.sessionId,
                rec.stallId,
                rec.account,
                rec.tariffId,
                rec.currency,
                rec.pluggedAt,
                rec.unpluggedAt,
                year,
                rec.energyWh,
                rec.freeWhUsed,
                rec.cost.timeMinor,
                rec.cost.energyMinor,
                rec.cost.idleMinor,
                rec.cost.totalMinor,
                JSON.stringify(rec),
                receivedAt,
            ]
        )
        if (inserted.length === 0) return "duplicate"
        if (held.length > 0)
            await q.all("UPDATE reservations SET session_id = $1 WHERE reservation_id = $2 AND session_id IS NULL", [
                rec.sessionId,
                held[0].reservation_id,
            ])
        return "stored"
    }

    private async openReservation(q: Query, account: string, stallId: string): Promise<Row[]> {
        return await q.all(
            `SELECT reservation_id, credit_year FROM reservations
             WHERE account = $1 AND stall_id = $2 AND session_id IS NULL ORDER BY created_at, reservation_id LIMIT 1`,
            [account, stallId]
        )
    }

    /** Kept once: the stall resends an invalid record as it does any other. */
    async reject(topic: string, payload: string, reason: string, receivedAt: number): Promise<void> {
        await this.db.tx(async (q) => {
            const seen = await q.all("SELECT 1 AS x FROM rejects WHERE topic = $1 AND payload = $2", [topic, payload])
            if (seen.length > 0) return
            await q.all("INSERT INTO rejects (topic, payload, reason, received_at) VALUES ($1, $2, $3, $4)", [
                topic,
                payload,
                reason,
                receivedAt,
            ])
        })
    }

    /**
     * Reserves what is left of the account's credit for this year for one session on
     * `stallId`. The account's row is locked for the transaction, so two stalls
     * authorizing one account at once get the credit once between them.
     */
    async reserve(account: string, stallId: string, now: number): Promise<Grant> {
        const year = creditYear(now, this.policy.timeZone)
        return await this.db.tx(async (q) => {
            await q.all("INSERT INTO accounts (account) VALUES ($1) ON CONFLICT (account) DO NOTHING", [account])
            if (this.db.kind === "postgres")
                await q.all("SELECT account FROM accounts WHERE account = $1 FOR UPDATE", [account])
            const used = await q.all(
                `SELECT ${SUM("free_wh_used")} AS wh FROM sessions WHERE account = $1 AND credit_year = $2`,
                [account, year]
            )
            const reserved = await q.all(
                `SELECT ${SUM("free_wh")} AS wh FROM reservations
                 WHERE account = $1 AND credit_year = $2 AND session_id IS NULL AND created_at > $3`,
                [account, year, now - this.policy.reservationMs]
            )
            const usedWh = Number(used[0].wh)
            const reservedWh = Number(reserved[0].wh)
            const freeWh = remainingWh(this.policy.creditWh, usedWh, reservedWh)
            const reservationId = randomUUID()
            await q.all(
                `INSERT INTO reservations (reservation_id, account, stall_id, credit_year, free_wh, created_at, session_id)
                 VALUES ($1, $2, $3, $4, $5, $6, NULL)`,
                [reservationId, account, stallId, year, freeWh, now]
            )
            return { reservationId, account, stallId, creditYear: year, usedWh, reservedWh, freeWh }
        })
    }

    /** Records whose unplug (site clock) is in [fromMs, toMs), optionally one account's, oldest first. */
    async sessions(filter: { fromMs?: number; toMs?: number; account?: string }): Promise<StoredSession[]> {
        const where: string[] = []
        const params: unknown[] = []
        if (filter.fromMs !== undefined) where.push(`unplugged_at >= $${params.push(filter.fromMs)}`)
        if (filter.toMs !== undefined) where.push(`unplugged_at < $${params.push(filter.toMs)}`)
        if (filter.account !== undefined) where.push(`account = $${params.push(filter.account)}`)
        const rows = await this.db.all(
            `SELECT session_id, stall_id, account, tariff_id, currency, plugged_at, unplugged_at, credit_year, energy_wh,
                free_wh_used, time_minor, energy_minor, idle_minor, total_minor
             FROM sessions ${where.length ? "WHERE " + where.join(" AND ") : ""}
             ORDER BY unplugged_at, session_id`,
            params
        )
        return rows.map((r) => ({
            sessionId: String(r.session_id),
            stallId: String(r.stall_id),
            account: r.account === null ? null : String(r.account),
            tariffId: String(r.tariff_id),
            currency: String(r.currency),
            pluggedAt: r.plugged_at === null ? null : Number(r.plugged_at),
            unpluggedAt: r.unplugged_at === null ? null : Number(r.unplugged_at),
            creditYear: Number(r.credit_year),
            energyWh: Number(r.energy_wh),
            freeWhUsed: Number(r.free_wh_used),
            timeMinor: Number(r.time_minor),
            energyMinor: Number(r.energy_minor),
            idleMinor: Number(r.idle_minor),
            totalMinor: Number(r.total_minor),
        }))
    }

    async count(table: "sessions" | "rejects" | "reservations"): Promise<number> {
        return Number((await this.db.all(`SELECT COUNT(*) AS n FROM ${table}`))[0].n)
    }
}
