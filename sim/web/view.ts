// The site view's model: every stall's tile, the selected stall's chart and the session
// records, folded from what the stalls publish and what is sent to them (status, telemetry,
// tap, session, cmd/*), message by message; the server reads it at its own pace.
// Pure: no socket, no timer, so a test feeds it messages.

import { defaultTariff, validateTariff, type Tariff } from "../../src/core/billing/index"
import { parseTopic, type SessionMessage, type StatusMessage, type TelemetryMessage } from "../../src/core/stall/index"
import { Availability, type ConnectorCount } from "../backend/availability"
import { renderPowerChart, type PowerPoint } from "../report/chart"
import { BilledPeriods } from "../report/periods"
import { formatSession, tierLabels } from "../report/summary"

/** What one stall's tile shows. */
export interface Tile {
    stallId: string
    /** a stall state, or "offline" (the will) */
    state: string
    online: boolean
    connector: string | null
    faultReason: string | null
    sessionId: string | null
    account: string | null
    powerW: number
    /** tier of the open period (0 = lowest), -1 when none */
    tier: number
    tierLabels: string[]
    energyWh: number
    chargingMs: number
    /** charging time per tier: closed periods and the open one */
    tierMs: number[]
    idleMs: number
    graceMs: number
    idleBilledMinutes: number
    costMinor: number
    currency: string | null
}

/** One session record as it arrived, and what became of it. */
export interface RecordRow {
    sessionId: string
    stallId: string
    account: string | null
    energyWh: number
    totalMinor: number
    currency: string
    /** every cost line, as `sim live` prints them */
    text: string
    acked: boolean
    /** the site backend committed it; null when no backend runs here */
    stored: boolean | null
}

export interface SiteStats {
    stalls: number
    online: number
    charging: number
    /** free (online, available) / total per connector type */
    connectors: ConnectorCount[]
    messages: number
    records: number
}

export interface ViewOptions {
    prefix: string
    /** the stalls' tariff until a cmd/tariff says otherwise; default the firmware's (DE-2017) */
    tariff?: Tariff
    /** a site backend stores the records here: rows say whether each was stored */
    storing?: boolean
}

/** records kept for the page, newest last */
export const MAX_RECORDS = 200
/** acks and commits remembered for records not seen yet (the backend may commit before the view has the record) */
const MAX_EARLY = 1000
/** chart points per stall; beyond, every other one is dropped (the chart averages to 2000 anyway) */
const MAX_POINTS = 8000

interface Row<T> {
    rev: number
    value: T
}

class StallState {
    readonly tile: Row<Tile>
    /** for sessions opened from now on */
    tariff: Tariff
    /** the open (or last) session's */
    sessionTariff: Tariff
    /** an authorization for the next session */
    pendingAccount: string | null = null
    /** the session the chart shows: the open one, else the last */
    chartSessionId: string | null = null
    points: PowerPoint[] = []
    statuses: { t: number; state: string }[] = []
    periods: BilledPeriods
    chartRev = 0
    /** the stall publishes its samples (TAP): they draw the power line, not the telemetry */
    tapped = false
    /** the last telemetry's idle time and stall time, to run the idle timer on with the samples */
    idleAt: { t: number; idleMs: number } | null = null

    constructor(stallId: string, tariff: Tariff) {
        this.tariff = this.sessionTariff = tariff
        this.periods = new BilledPeriods(tariff.periodMs)
        this.tile = {
            rev: 0,
            value: {
                stallId,
                state: "unknown",
                online: false,
                connector: null,
                faultReason: null,
                sessionId: null,
                account: null,
                powerW: 0,
                tier: -1,
                tierLabels: tierLabels(tariff.tierThresholdsKw),
                energyWh: 0,
                chargingMs: 0,
                tierMs: [],
                idleMs: 0,
                graceMs: tariff.idleGraceMs,
                idleBilledMinutes: 0,
                costMinor: 0,
                currency: null,
            },
        }
    }

    /** A new session (or a stall clock that restarted): its chart starts afresh. */
    startHistory(sessionId: string | null, fromMs: number | null): void {
        const tile = this.tile.value
        if (sessionId !== null && sessionId !== this.chartSessionId) {
            this.chartSessionId = sessionId
            this.sessionTariff = this.tariff
            tile.account = this.pendingAccount
            this.pendingAccount = null
            tile.tierLabels = tierLabels(this.sessionTariff.tierThresholdsKw)
            tile.graceMs = this.sessionTariff.idleGraceMs
            tile.tierMs = []
        }
        this.points = fromMs === null ? [] : this.points.filter((p) => p.t >= fromMs)
        this.statuses = []
        this.periods = new BilledPeriods(this.sessionTariff.periodMs)
        this.idleAt = null
    }

    point(p: PowerPoint): void {
        const last = this.points[this.points.length - 1]
        if (last && p.t < last.t) this.startHistory(null, null) // the stall rebooted: its clock restarted
        this.points.push(p)
        if (this.points.length > MAX_POINTS) this.points = this.points.filter((_, i) => i % 2 === 0)
        this.chartRev++
    }
}

export class SiteView {
    /** bumped on every change; rows carry the revision of their last change */
    rev = 0
    messages = 0
    private readonly stalls = new Map<string, StallState>()
    private readonly records = new Map<string, Row<RecordRow>>()
    private readonly availability = new Availability()
    /** sessionId -> what happened to a record before the view had it */
    private readonly early = new Map<string, { acked: boolean; stored: boolean }>()
    private readonly tariff: Tariff

    constructor(private readonly options: ViewOptions) {
        this.tariff = options.tariff ?? defaultTariff()
    }

    /** One MQTT message; anything unreadable is counted and left out. */
    message(topic: string, payload: Buffer | string): void {
        this.messages++
        const parsed = parseTopic(topic, this.options.prefix)
        if (!parsed || parsed.stallId === null || payload.length === 0) return
        let msg: any
        try {
            msg = JSON.parse(payload.toString())
        } catch {
            return
        }
        if (typeof msg !== "object" || msg === null) return
        const stall = this.stall(parsed.stallId)
        const changed = this.fold(stall, parsed.kind, msg)
        if (changed) stall.tile.rev = ++this.rev
    }

    /** The site backend committed this record. */
    stored(sessionId: string): void {
        this.mark(sessionId, "stored")
    }

    stallIds(): string[] {
        return [...this.stalls.keys()].sort()
    }

    /** Tiles changed after revision `since` (all with -1), in stall order. */
    tilesSince(since: number): Tile[] {
        return this.stallIds()
            .map((id) => this.stalls.get(id)!.tile)
            .filter((r) => r.rev > since)
            .map((r) => r.value)
    }

    /** Records new or changed after revision `since`, oldest first. */
    recordsSince(since: number): RecordRow[] {
        return [...this.records.values()].filter((r) => r.rev > since).map((r) => r.value)
    }

    site(): SiteStats {
        let online = 0
        let charging = 0
        for (const s of this.stalls.values()) {
            if (s.tile.value.online) online++
            if (s.tile.value.state === "charging") charging++
        }
        return {
            stalls: this.stalls.size,
            online,
            charging,
            connectors: this.availability.byConnector(),
            messages: this.messages,
            records: this.records.size,
        }
    }

    /** Changes with every point, status and period of the stall's chart; -1 for an unknown stall. */
    chartRev(stallId: string): number {
        return this.stalls.get(stallId)?.chartRev ?? -1
    }

    /** The stall's open (or last) session as `sim run --chart` draws a trace; null for an unknown stall. */
    chart(stallId: string): string | null {
        const s = this.stalls.get(stallId)
        if (!s) return null
        return renderPowerChart(
            { tariff: s.sessionTariff, points: s.points, statuses: s.statuses, periods: s.periods.spans },
            {
                title: `Stall ${stallId} · ${s.sessionTariff.id}${s.chartSessionId ? " · " + s.chartSessionId : ""}`,
                timeAxis: s.chartSessionId ? "time since plug-in" : "time shown",
            }
        )
    }

    private stall(stallId: string): StallState {
        let s = this.stalls.get(stallId)
        if (!s) {
            this.stalls.set(stallId, (s = new StallState(stallId, this.tariff)))
            s.tile.rev = ++this.rev
        }
        return s
    }

    /** true when the tile changed */
    private fold(s: StallState, kind: string, msg: any): boolean {
        const tile = s.tile.value
        switch (kind) {
            case "status":
                return this.status(s, msg)
            case "telemetry":
                return this.telemetry(s, msg)
            case "tap":
                return this.tap(s, msg)
            case "session":
                return this.record(s, msg)
            case "cmd/authorize":
                if (typeof msg.account !== "string") return false
                if (tile.sessionId !== null && tile.state !== "available") tile.account = msg.account
                else s.pendingAccount = msg.account
                return true
            case "cmd/tariff": {
                const t = validateTariff(msg)
                if (t.error === null) s.tariff = t.value
                return false
            }
            case "cmd/ack":
                if (typeof msg.sessionId === "string") this.mark(msg.sessionId, "acked")
                return false
            default:
                return false
        }
    }

    private status(s: StallState, m: Partial<Omit<StatusMessage, "state">> & { state?: string }): boolean {
        if (typeof m.state !== "string") return false
        const tile = s.tile.value
        this.availability.status(tile.stallId, m)
        tile.online = m.state !== "offline"
        tile.state = m.state
        if (m.state === "offline") return true
        tile.connector = m.connector ?? tile.connector
        tile.faultReason = m.faultReason ?? null
        if (m.sessionId !== undefined) tile.sessionId = m.sessionId
        if (!tile.sessionId) tile.account = null
        if (typeof m.sinceMs !== "number") return true
        if (m.sessionId && m.sessionId !== s.chartSessionId) s.startHistory(m.sessionId, m.sinceMs)
        const last = s.statuses[s.statuses.length - 1]
        // a status is sent again on every reconnect: the same state since the same time
        if (!last || last.t !== m.sinceMs || last.state !== m.state) {
            if (last && m.sinceMs < last.t) s.startHistory(null, null)
            s.statuses.push({ t: m.sinceMs, state: m.state })
            s.chartRev++
        }
        return true
    }

    private telemetry(s: StallState, m: Partial<TelemetryMessage>): boolean {
        if (typeof m.t !== "number" || !Array.isArray(m.tierMinutes)) return false
        const tile = s.tile.value
        if (m.sessionId && m.sessionId !== s.chartSessionId) s.startHistory(m.sessionId, m.t)
        if (m.sessionId !== undefined) tile.sessionId = m.sessionId
        tile.state = m.state ?? tile.state
        tile.powerW = m.powerW ?? 0
        tile.energyWh = m.energyWh ?? 0
        tile.chargingMs = m.chargingMs ?? 0
        tile.tier = m.tier ?? -1
        tile.idleMs = m.idleMs ?? 0
        tile.idleBilledMinutes = m.idleBilledMinutes ?? 0
        tile.costMinor = m.costMinor ?? 0
        tile.currency = m.currency ?? null
        s.idleAt = { t: m.t, idleMs: tile.idleMs }
        if (m.sessionId && m.sessionId === s.chartSessionId) {
            s.periods.telemetry({ t: m.t, chargingMs: tile.chargingMs, tier: tile.tier, tierMinutes: m.tierMinutes })
            tile.tierMs = s.periods.tierMs(tile.chargingMs, tile.tier, s.sessionTariff.tierThresholdsKw.length + 1)
            s.chartRev++
        } else if (!m.sessionId) tile.tierMs = []
        if (!s.tapped) s.point({ t: m.t, kw: tile.powerW / 1000 })
        return true
    }

    /** A sample the core consumed ([t, pilot, mV, mA]); the tap's event rows are left out. */
    private tap(s: StallState, row: unknown): boolean {
        if (!Array.isArray(row) || row.length !== 4 || typeof row[0] !== "number") return false
        const [t, , mV, mA] = row
        const valid = typeof mV === "number" && typeof mA === "number"
        const tile = s.tile.value
        s.tapped = true
        s.point({ t, kw: valid ? (mV * mA) / 1e9 : null })
        tile.powerW = valid ? Math.round((mV * mA) / 1e6) : 0
        // between two telemetry messages the idle timer runs on with the stall's samples
        if (tile.state === "finished" && s.idleAt && t >= s.idleAt.t) tile.idleMs = s.idleAt.idleMs + (t - s.idleAt.t)
        return true
    }

    /** A record was acked or stored: its row says so, or will when it arrives. */
    private mark(sessionId: string, what: "acked" | "stored"): void {
        const row = this.records.get(sessionId)
        if (row) {
            if (row.value[what]) return
            row.value[what] = true
            row.rev = ++this.rev
            return
        }
        let e = this.early.get(sessionId)
        if (!e) this.early.set(sessionId, (e = { acked: false, stored: false }))
        e[what] = true
        if (this.early.size > MAX_EARLY) this.early.delete(this.early.keys().next().value!)
    }

    private record(s: StallState, m: Partial<SessionMessage>): boolean {
        if (typeof m.sessionId !== "string" || !m.cost || !Array.isArray(m.tierMinutes)) return false
        if (this.records.has(m.sessionId)) return false // a resend
        const rec = m as SessionMessage
        const tile = s.tile.value
        const early = this.early.get(rec.sessionId)
        this.early.delete(rec.sessionId)
        if (rec.sessionId === s.chartSessionId) {
            s.periods.record(rec)
            s.chartRev++
        }
        this.records.set(rec.sessionId, {
            rev: ++this.rev,
            value: {
                sessionId: rec.sessionId,
                stallId: tile.stallId,
                account: rec.account,
                energyWh: rec.energyWh,
                totalMinor: rec.cost.totalMinor,
                currency: rec.currency,
                text: formatSession(rec, s.sessionTariff.periodMs),
                acked: early?.acked ?? false,
                stored: this.options.storing ? (early?.stored ?? false) : null,
            },
        })
        if (this.records.size > MAX_RECORDS) this.records.delete(this.records.keys().next().value!)
        return true
    }
}
