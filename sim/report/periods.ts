// The billed tier of each closed billing period, placed on the stall's clock, from
// observations of a session's running accounts: a replay's session after each row, or
// the stall's telemetry, then its record. Periods run on the charging stopwatch, so a
// period's start and end are where the stopwatch passed k × periodMs: found between the
// two observations around it, in which the stall charged all along or not at all
// (telemetry is sent on every state change), so a straight line between them is exact.

import type { StallAccounting } from "../../src/core/billing/index"
import { Replay, type SessionRecord } from "../../src/core/trace/index"

/** One closed period: stall time from/to, and the tier it was billed in (0 = lowest). */
export interface TierSpan {
    fromMs: number
    toMs: number
    tier: number
}

export class BilledPeriods {
    readonly spans: TierSpan[] = []
    /** (stall time, charging stopwatch) of every observation, both never decreasing */
    private readonly clock: { t: number; chargingMs: number }[] = []
    private closed: number[] = []
    /** the tier of the period open at the last observation, -1 when none */
    private openTier = -1

    constructor(private readonly periodMs: number) {}

    /**
     * The accounts at stall time `t`: `closedPerTier` counts the periods closed so far
     * in each tier, `openTier` is the tier the open period has so far (-1 when none).
     */
    observe(t: number, chargingMs: number, closedPerTier: readonly number[], openTier = -1): void {
        const last = this.clock[this.clock.length - 1]
        if (last && (t < last.t || chargingMs < last.chargingMs)) return // a resend or a reordering
        this.clock.push({ t, chargingMs })
        const fresh: number[] = []
        closedPerTier.forEach((n, tier) => {
            for (let k = this.closed[tier] ?? 0; k < n; k++) fresh.push(tier)
        })
        // two periods closed between observations: the one open at the last comes first
        fresh.sort((a, b) => Number(b === this.openTier) - Number(a === this.openTier) || a - b)
        for (const tier of fresh) {
            const k = this.spans.length
            const endMs = Math.min((k + 1) * this.periodMs, chargingMs)
            this.spans.push({ fromMs: this.timeAt(k * this.periodMs, "start"), toMs: this.timeAt(endMs, "end"), tier })
        }
        this.closed = closedPerTier.slice()
        this.openTier = openTier
    }

    /** A telemetry message: its tierMinutes count the open period too, in its tier so far. */
    telemetry(m: { t: number; chargingMs: number; tier: number; tierMinutes: readonly number[] }): void {
        const closed = m.tierMinutes.slice()
        if (m.tier >= 0 && closed[m.tier] > 0) closed[m.tier]--
        this.observe(m.t, m.chargingMs, closed, m.tier)
    }

    /** The session's record: every period closed, the last at the end of charging. */
    record(r: Pick<SessionRecord, "unpluggedAtMs" | "chargingMs" | "tierMinutes">): void {
        this.observe(r.unpluggedAtMs, r.chargingMs, r.tierMinutes)
    }

    /** Charging time per tier while the session is open: the closed periods (whole ones), then the open one. */
    tierMs(chargingMs: number, openTier: number, tiers: number): number[] {
        const ms = Array.from({ length: tiers }, () => 0)
        for (const s of this.spans) if (s.tier < tiers) ms[s.tier] += this.periodMs
        if (openTier >= 0 && openTier < tiers)
            ms[openTier] += Math.max(0, chargingMs - this.spans.length * this.periodMs)
        return ms
    }

    /**
     * Stall time where the stopwatch read `chargingMs`: on the line between the observations
     * around it; a period's start is the last moment before charging resumed, its end the first
     * moment the stopwatch reached it.
     */
    private timeAt(chargingMs: number, edge: "start" | "end"): number {
        const c = this.clock
        const i = c.findIndex((o) => (edge === "end" ? o.chargingMs >= chargingMs : o.chargingMs > chargingMs))
        if (i < 0) {
            const last = c[c.length - 1]
            return last.t + (chargingMs - last.chargingMs)
        }
        if (i === 0) return c[0].t - (c[0].chargingMs - chargingMs)
        const a = c[i - 1]
        const b = c[i]
        return a.t + ((chargingMs - a.chargingMs) * (b.t - a.t)) / (b.chargingMs - a.chargingMs)
    }
}

/**
 * Every closed period of a trace: a replay, observed at every change of state and every
 * period close (the accounting's revision), where the stopwatch changes pace or passes a period.
 */
export function tracePeriods(trace: { tariff?: unknown; config?: unknown; rows: readonly unknown[] }): TierSpan[] {
    const replay = new Replay(trace)
    const spans: TierSpan[] = []
    let periods: BilledPeriods | null = null
    let seen: [StallAccounting, number] | null = null
    for (const row of trace.rows) {
        replay.row(row)
        for (const o of replay.take())
            if (o.type === "session" && periods) {
                periods.record(o)
                spans.push(...periods.spans)
                periods = null
            }
        const s = replay.acct.session()
        // a reboot brings a new accounting, its own revisions
        if (!s || (seen && seen[0] === replay.acct && seen[1] === replay.acct.revision)) continue
        seen = [replay.acct, replay.acct.revision]
        periods ??= new BilledPeriods(s.tariff.periodMs)
        periods.observe(replay.acct.lastT(), s.chargingMs, s.tierMinutes)
    }
    return spans
}
