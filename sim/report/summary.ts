// Readable summaries of session records for `sim run`, and the same figures as
// plain data for --json.

import type { SessionRecord } from "../../src/core/trace/index"

export interface StallTotals {
    sessions: number
    energyWh: number
    chargingMs: number
    idleMs: number
    /** revenue per currency, minor units */
    totalMinor: Record<string, number>
    faultCount: number
    outages: number
    /** billing periods under power sharing (billed tier 1) */
    sharedPeriods: number
    /** idle minutes while the site was full (billed × the tariff's idleFullMultiplier) */
    idleFullMinutes: number
}

export interface StallSummary {
    stallId: string
    sessions: SessionRecord[]
    totals: StallTotals
}

export function summarizeStall(stallId: string, sessions: SessionRecord[]): StallSummary {
    const totals: StallTotals = {
        sessions: sessions.length,
        energyWh: 0,
        chargingMs: 0,
        idleMs: 0,
        totalMinor: {},
        faultCount: 0,
        outages: 0,
        sharedPeriods: 0,
        idleFullMinutes: 0,
    }
    for (const s of sessions) {
        totals.energyWh += s.energyWh
        totals.chargingMs += s.chargingMs
        totals.idleMs += s.idleMs
        totals.totalMinor[s.currency] = (totals.totalMinor[s.currency] ?? 0) + s.cost.totalMinor
        totals.faultCount += s.faults.faultCount
        totals.outages += s.faults.outages
        totals.sharedPeriods += s.sharedPeriods
        totals.idleFullMinutes += s.idleFullMinutes
    }
    return { stallId, sessions, totals }
}

/** "EUR 9.52": minor units are hundredths in every currency the tariffs use. */
export function formatMoney(minor: number, currency: string): string {
    const sign = minor < 0 ? "-" : ""
    const abs = Math.abs(minor)
    return `${currency} ${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`
}

export function formatKwh(energyWh: number): string {
    return `${(energyWh / 1000).toFixed(3)} kWh`
}

function formatMinutes(ms: number): string {
    return `${(ms / 60000).toFixed(1)} min`
}

/** A trace time as "[day N ]h:mm:ss" from the start of the trace. */
export function formatClock(ms: number): string {
    const s = Math.floor(ms / 1000)
    const day = Math.floor(s / 86400)
    const h = Math.floor((s % 86400) / 3600)
    const mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0")
    const ss = String(s % 60).padStart(2, "0")
    return `${day > 0 ? `day ${day + 1} ` : ""}${h}:${mm}:${ss}`
}

/** Tier names from the thresholds: "≤ 60 kW", "60–100 kW", "> 180 kW". */
export function tierLabels(thresholdsKw: number[]): string[] {
    return [...thresholdsKw, Infinity].map((th, i) => {
        if (i === 0) return `≤ ${th} kW`
        const below = thresholdsKw[i - 1]
        return th === Infinity ? `> ${below} kW` : `${below}–${th} kW`
    })
}

function faultLine(f: SessionRecord["faults"]): string | undefined {
    const parts: string[] = []
    if (f.meterInvalidSamples) parts.push(`${f.meterInvalidSamples} invalid meter readings`)
    if (f.gapMs) parts.push(`${f.gapMs / 1000} s of gaps`)
    if (f.outages)
        parts.push(`${f.outages} controller outage${f.outages > 1 ? "s" : ""} (${f.outageMs / 1000} s unbilled)`)
    if (f.faultCount) parts.push(`${f.faultCount} fault${f.faultCount > 1 ? "s" : ""}`)
    return parts.length ? parts.join(" · ") : undefined
}

/**
 * The billed idle minutes by factor: "19 min (10 × 1, 9 full × 2)" while the site was
 * full for some; the multiplier only when the caller knows the session's tariff.
 */
function idleBilled(s: SessionRecord, idleFullMultiplier?: number): string {
    if (s.idleFullMinutes === 0) return `${s.idleBilledMinutes} min`
    const full = idleFullMultiplier === undefined ? "full" : `full × ${idleFullMultiplier}`
    return `${s.idleBilledMinutes} min (${s.idleBilledMinutes - s.idleFullMinutes} × 1, ${s.idleFullMinutes} ${full})`
}

/**
 * `periodMs` names the billed unit: "min" for the usual minute, else the period length;
 * `idleFullMultiplier` is the session's tariff's, for the idle minutes of a full site.
 */
export function formatSession(s: SessionRecord, periodMs = 60000, idleFullMultiplier?: number): string {
    const money = (minor: number) => formatMoney(minor, s.currency)
    const unit = periodMs === 60000 ? "min" : `× ${periodMs / 1000} s`
    const tiers = tierLabels(s.tierThresholdsKw)
        .map((label, i) => `${label}: ${s.tierMinutes[i]} ${unit}`)
        .join(" · ")
    const lines = [
        `Session ${s.sessionSeq} · ${s.account ?? "(no account)"} · ${s.tariffId} · ${formatClock(s.pluggedAtMs)} → ${formatClock(s.unpluggedAtMs)}`,
        `  energy      ${formatKwh(s.energyWh)}${s.freeWhUsed ? ` (${formatKwh(s.freeWhUsed)} free)` : ""}`,
        `  charging    ${formatMinutes(s.chargingMs)} · ${tiers}${s.sharedPeriods ? ` · shared ${s.sharedPeriods} ${unit} (tier 1)` : ""}`,
        `  idle        ${formatMinutes(s.idleMs)} · billed ${idleBilled(s, idleFullMultiplier)}`,
        `  time cost   ${money(s.cost.timeMinor)}`,
        `  energy cost ${money(s.cost.energyMinor)}`,
        `  idle cost   ${money(s.cost.idleMinor)}`,
        `  total       ${money(s.cost.totalMinor)}`,
    ]
    const faults = faultLine(s.faults)
    if (faults) lines.push(`  faults      ${faults}`)
    return lines.join("\n")
}

/** One stall: each session (up to maxSessions, for year-long runs), then the totals. */
export function formatStall(
    summary: StallSummary,
    opts: { periodMs?: number; maxSessions?: number; tariff?: { id: string; idleFullMultiplier?: number } } = {}
): string {
    const { stallId, sessions, totals } = summary
    const maxSessions = opts.maxSessions ?? 50
    // the multiplier of the stall's tariff, for its sessions (not those of a tariff change)
    const multiplier = (s: SessionRecord) =>
        s.tariffId === opts.tariff?.id ? opts.tariff.idleFullMultiplier : undefined
    const blocks = sessions.slice(0, maxSessions).map((s) => formatSession(s, opts.periodMs, multiplier(s)))
    if (sessions.length > maxSessions)
        blocks.push(`… ${sessions.length - maxSessions} more sessions (use --json for all)`)
    const revenue = Object.entries(totals.totalMinor)
        .map(([currency, minor]) => formatMoney(minor, currency))
        .join(" + ")
    blocks.push(
        `Stall ${stallId}: ${totals.sessions} session${totals.sessions === 1 ? "" : "s"} · ${formatKwh(totals.energyWh)} · ` +
            `charging ${formatMinutes(totals.chargingMs)}${totals.sharedPeriods ? ` (${totals.sharedPeriods} periods shared)` : ""} · ` +
            `idle ${formatMinutes(totals.idleMs)}${totals.idleFullMinutes ? ` (${totals.idleFullMinutes} min full)` : ""} · total ${revenue || "nothing billed"}`
    )
    return blocks.join("\n\n")
}
