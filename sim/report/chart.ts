// An SVG picture of one stall: measured power over time on top of the tariff's tier
// bands, the threshold lines, the billed tier of each closed period as a strip under
// the plot, the idle periods (from the status changes) and where the idle grace runs
// out; the periods of power sharing (billed tier 1) and the site occupancy during idle,
// coloured by the factor it gives idle minutes (SEMANTICS v2). From a trace (`sim run --chart`) or from what a stall publishes (the web view).
// No dependencies; ids and classes are stable so tests and stylesheets can find the parts.

import type { Output } from "../../src/core/trace/index"
import { defaultTariff, validateTariff, type Tariff } from "../../src/core/billing/index"
import { tracePeriods, type TierSpan } from "./periods"
import { tierLabels } from "./summary"

export interface ChartOptions {
    title?: string
    widthPx?: number
    heightPx?: number
    /** the time axis' title; its unit is added */
    timeAxis?: string
}

/** Power at stall time `t` (ms); null where the meter gave no valid reading. */
export interface PowerPoint {
    t: number
    kw: number | null
}

/** What the chart shows, whatever it came from. */
export interface ChartData {
    tariff: Tariff
    /** in time order */
    points: readonly PowerPoint[]
    /** the stall's state changes, in time order: time in `finished` is idle */
    statuses: readonly { t: number; state: string }[]
    /** the billed tier of each closed period (periods.ts) */
    periods: readonly TierSpan[]
    /** when the stall's cabinet shared its power (`sharing` events), in time order */
    shared?: readonly Span[]
    /** the site occupancy from each `occupancy` event on, in time order */
    occupancy?: readonly { t: number; percent: number }[]
}

const MARGIN = { left: 60, right: 170, top: 40, bottom: 60 }
/** the billed-tier strip under the plot */
const STRIP_PX = 10
const STRIP_GAP_PX = 3
/** more points than this are averaged into buckets: a day is 86 400 samples */
const MAX_POINTS = 2000
const TIER_COLORS = ["#d8ecd2", "#fbe3b8", "#f7c9b0", "#efb0c4", "#d9b8ef", "#b8cdef", "#b8efe6", "#e0e0e0"]
/** minutes between time ticks; under a minute for time-lapse sessions */
const NICE_STEPS = [0.25, 0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440]
/** an upper bound of the width of a character at font-size 11 sans-serif (average ~6 px) */
const LABEL_CHAR_PX = 6.5
const LABEL_ROW_PX = 13
/** rows of grace labels under the top of the plot; a label that fits none is left out, its line stays */
const LABEL_ROWS = 3
/** between a mark and its label, and between two labels of a row */
const LABEL_GAP_PX = 3
const GRACE_LABEL = "grace ends"
const SHARED_PX = 6
const SHARED_COLOR = "#e07b00"
const OCCUPANCY_PX = 14
/** the occupancy strip by the factor it gives idle minutes: 0, 1, the full multiplier */
const OCCUPANCY_COLORS = { free: "#d5d5d5", billed: "#f2c14e", full: "#d9534f" }

function factorClass(factor: number): keyof typeof OCCUPANCY_COLORS {
    return factor === 0 ? "free" : factor === 1 ? "billed" : "full"
}

function escapeXml(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")
}

function samples(rows: readonly unknown[]): PowerPoint[] {
    const out: PowerPoint[] = []
    for (const r of rows) {
        if (!Array.isArray(r) || r.length !== 4 || typeof r[0] !== "number") continue
        const [t, , v, a] = r
        const valid = typeof v === "number" && typeof a === "number" && Number.isFinite(v) && Number.isFinite(a)
        out.push({ t, kw: valid ? (v * a) / 1000 : null })
    }
    return out
}

/** Averages into at most MAX_POINTS buckets; a bucket without a valid reading stays a gap. */
function downsample(points: readonly PowerPoint[]): readonly PowerPoint[] {
    if (points.length <= MAX_POINTS) return points
    const size = Math.ceil(points.length / MAX_POINTS)
    const out: PowerPoint[] = []
    for (let i = 0; i < points.length; i += size) {
        const bucket = points.slice(i, i + size).filter((p) => p.kw !== null)
        const kw = bucket.length ? bucket.reduce((sum, p) => sum + (p.kw as number), 0) / bucket.length : null
        out.push({ t: points[i].t, kw })
    }
    return out
}

/** Smallest "nice" step that keeps the number of ticks at or below maxTicks. */
function niceStep(span: number, maxTicks: number, steps: number[]): number {
    return steps.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks)
}

export interface Span {
    fromMs: number
    toMs: number
}

/** The trace's sharing spans (one still on at the end runs to `endMs`) and occupancy changes. */
export function traceEvents(
    rows: readonly unknown[],
    endMs: number
): Required<Pick<ChartData, "shared" | "occupancy">> {
    const shared: Span[] = []
    const occupancy: { t: number; percent: number }[] = []
    let onSince: number | null = null
    for (const r of rows) {
        if (Array.isArray(r) || typeof r !== "object" || r === null) continue
        const e = r as { t: number; event: string; on?: unknown; percent?: unknown }
        if (e.event === "occupancy" && typeof e.percent === "number") occupancy.push({ t: e.t, percent: e.percent })
        if (e.event !== "sharing") continue
        if (e.on === true && onSince === null) onSince = e.t
        if (e.on === false && onSince !== null) {
            shared.push({ fromMs: onSince, toMs: e.t })
            onSince = null
        }
    }
    if (onSince !== null) shared.push({ fromMs: onSince, toMs: endMs })
    return { shared, occupancy }
}

/** The factor an idle minute at `percent` gets from the tariff: 0 below its minimum, its multiplier when full. */
function idleFactor(tariff: Tariff, percent: number): number {
    if (percent < tariff.idleMinOccupancyPct) return 0
    return percent >= 100 ? tariff.idleFullMultiplier : 1
}

/** The occupancy in force over each piece of the idle spans: [from, to, percent]. */
function idleOccupancy(
    idle: readonly Span[],
    occupancy: readonly { t: number; percent: number }[]
): [number, number, number][] {
    const out: [number, number, number][] = []
    for (const s of idle)
        occupancy.forEach((o, i) => {
            const from = Math.max(s.fromMs, o.t)
            const to = Math.min(s.toMs, i + 1 < occupancy.length ? occupancy[i + 1].t : Infinity)
            if (to > from) out.push([from, to, o.percent])
        })
    return out
}

/** Time in `finished` per status change, and where each session's idle passes the grace. */
function idleSpans(
    statuses: ChartData["statuses"],
    endMs: number,
    graceMs: number
): { idle: Span[]; graceAtMs: number[] } {
    const idle: Span[] = []
    const graceAtMs: number[] = []
    let sessionIdleMs = 0
    statuses.forEach((s, i) => {
        if (s.state === "available") sessionIdleMs = 0
        if (s.state !== "finished") return
        const toMs = i + 1 < statuses.length ? statuses[i + 1].t : endMs
        // billed idle starts where the session's idle time passes the grace
        if (sessionIdleMs <= graceMs && sessionIdleMs + (toMs - s.t) > graceMs)
            graceAtMs.push(s.t + (graceMs - sessionIdleMs))
        sessionIdleMs += toMs - s.t
        idle.push({ fromMs: s.t, toMs })
    })
    return { idle, graceAtMs }
}

export interface PlacedLabel {
    /** where the text is anchored */
    x: number
    anchor: "start" | "end"
    /** 0 is the top row */
    row: number
    /** the span the text covers */
    fromPx: number
    toPx: number
}

/**
 * Labels of `widthPx` for marks at `xs` inside [leftPx, rightPx]: each starts just
 * after its mark (ends just before it near the right edge), in the first of `rows`
 * rows where it keeps LABEL_GAP_PX from every label there. Marks are taken left to
 * right; a label that fits no row is null. Placed labels never overlap.
 */
export function layoutLabels(
    xs: readonly number[],
    widthPx: number,
    leftPx: number,
    rightPx: number,
    rows = LABEL_ROWS
): (PlacedLabel | null)[] {
    const taken: { fromPx: number; toPx: number }[][] = Array.from({ length: rows }, () => [])
    const placed: (PlacedLabel | null)[] = xs.map(() => null)
    const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b])
    for (const i of order) {
        const atEnd = xs[i] + LABEL_GAP_PX + widthPx > rightPx
        const x = atEnd ? xs[i] - LABEL_GAP_PX : xs[i] + LABEL_GAP_PX
        const [fromPx, toPx] = atEnd ? [x - widthPx, x] : [x, x + widthPx]
        if (fromPx < leftPx || toPx > rightPx) continue
        const row = taken.findIndex((spans) =>
            spans.every((s) => toPx + LABEL_GAP_PX <= s.fromPx || fromPx >= s.toPx + LABEL_GAP_PX)
        )
        if (row < 0) continue
        taken[row].push({ fromPx, toPx })
        placed[i] = { x, anchor: atEnd ? "end" : "start", row, fromPx, toPx }
    }
    return placed
}

/** A trace and its replay's outputs (`sim run --chart`); the periods from a replay of the trace. */
export function renderChart(
    trace: { tariff?: unknown; config?: unknown; rows: readonly unknown[] },
    outputs: Output[],
    opts: ChartOptions = {}
): string {
    return renderPowerChart(
        {
            tariff: validateTariff(trace.tariff).value ?? defaultTariff(),
            points: samples(trace.rows),
            statuses: outputs.filter((o) => o.type === "status"),
            periods: tracePeriods(trace),
            ...traceEvents(trace.rows, samples(trace.rows).at(-1)?.t ?? 0),
        },
        opts
    )
}

export function renderPowerChart(data: ChartData, opts: ChartOptions = {}): string {
    const width = opts.widthPx ?? 960
    const height = opts.heightPx ?? 420
    const { tariff, points } = data
    const t0 = points.length ? points[0].t : 0
    const t1 = points.length ? Math.max(points[points.length - 1].t, t0 + 1000) : 60000
    const maxSeenKw = points.reduce((m, p) => Math.max(m, p.kw ?? 0), 0)
    const topKw = Math.max(maxSeenKw, tariff.tierThresholdsKw[tariff.tierThresholdsKw.length - 1]) * 1.1
    const kwStep = niceStep(topKw, 8, [10, 20, 25, 50, 100])
    const yMaxKw = Math.ceil(topKw / kwStep) * kwStep

    const plotW = width - MARGIN.left - MARGIN.right
    const plotH = height - MARGIN.top - MARGIN.bottom
    const x = (t: number) => MARGIN.left + ((t - t0) / (t1 - t0)) * plotW
    const y = (kw: number) => MARGIN.top + plotH - (Math.max(0, Math.min(kw, yMaxKw)) / yMaxKw) * plotH
    const f = (n: number) => n.toFixed(1)
    const parts: string[] = []

    // tier bands: one horizontal band per tier, between its thresholds
    const bounds = [0, ...tariff.tierThresholdsKw.filter((th) => th < yMaxKw), yMaxKw]
    const labels = tierLabels(tariff.tierThresholdsKw)
    parts.push(`<g id="tier-bands">`)
    for (let i = 0; i + 1 < bounds.length; i++)
        parts.push(
            `<rect class="tier-band tier-${i}" x="${f(MARGIN.left)}" y="${f(y(bounds[i + 1]))}" width="${f(plotW)}" height="${f(y(bounds[i]) - y(bounds[i + 1]))}" fill="${TIER_COLORS[i]}"><title>tier ${i + 1}: ${escapeXml(labels[i])}</title></rect>`
        )
    parts.push(`</g>`)

    const { idle, graceAtMs } = idleSpans(data.statuses, t1, tariff.idleGraceMs)
    parts.push(`<g id="idle">`)
    for (const s of idle)
        parts.push(
            `<rect class="idle" x="${f(x(s.fromMs))}" y="${f(MARGIN.top)}" width="${f(Math.max(1, x(s.toMs) - x(s.fromMs)))}" height="${f(plotH)}" fill="#7f7f7f" fill-opacity="0.25"/>`
        )
    parts.push(`</g>`)

    // power sharing: a band along the top of the plot
    const shared = (data.shared ?? []).filter((s) => s.toMs > t0 && s.fromMs < t1)
    parts.push(`<g id="shared">`)
    for (const s of shared) {
        const from = x(Math.max(s.fromMs, t0))
        parts.push(
            `<rect class="shared" x="${f(from)}" y="${f(MARGIN.top)}" width="${f(Math.max(1, x(Math.min(s.toMs, t1)) - from))}" height="${SHARED_PX}" fill="${SHARED_COLOR}"><title>power sharing: billed in tier 1</title></rect>`
        )
    }
    parts.push(`</g>`)

    // the occupancy while idle, along the bottom of the plot, coloured by its factor
    const occupied = idleOccupancy(idle, data.occupancy ?? [])
    parts.push(`<g id="occupancy" font-size="10" text-anchor="middle">`)
    for (const [fromMs, toMs, percent] of occupied) {
        const factor = idleFactor(tariff, percent)
        const from = x(fromMs)
        const w = Math.max(1, x(toMs) - from)
        const top = MARGIN.top + plotH - OCCUPANCY_PX
        parts.push(
            `<rect class="occupancy factor-${factorClass(factor)}" x="${f(from)}" y="${f(top)}" width="${f(w)}" height="${OCCUPANCY_PX}" fill="${OCCUPANCY_COLORS[factorClass(factor)]}"><title>site ${percent} % full: idle × ${factor}</title></rect>`
        )
        const label = `${percent} %`
        if (w >= label.length * LABEL_CHAR_PX)
            parts.push(
                `<text class="occupancy-label" x="${f(from + w / 2)}" y="${f(top + OCCUPANCY_PX - 3)}">${label}</text>`
            )
    }
    parts.push(`</g>`)

    // axes and grid
    parts.push(`<g id="axes" font-size="11" fill="#333">`)
    for (let kw = 0; kw <= yMaxKw; kw += kwStep)
        parts.push(
            `<line class="grid" x1="${f(MARGIN.left)}" x2="${f(MARGIN.left + plotW)}" y1="${f(y(kw))}" y2="${f(y(kw))}" stroke="#000" stroke-opacity="0.08"/>`,
            `<text class="y-label" x="${f(MARGIN.left - 6)}" y="${f(y(kw) + 4)}" text-anchor="end">${kw}</text>`
        )
    const spanMin = (t1 - t0) / 60000
    const inHours = spanMin > 180
    const tickMin = niceStep(spanMin, 12, NICE_STEPS)
    const stripY = MARGIN.top + plotH + STRIP_GAP_PX
    const axisY = stripY + STRIP_PX + STRIP_GAP_PX
    for (let i = 0; i * tickMin <= spanMin; i++) {
        const m = i * tickMin
        const xt = x(t0 + m * 60000)
        parts.push(
            `<line class="tick" x1="${f(xt)}" x2="${f(xt)}" y1="${f(axisY)}" y2="${f(axisY + 5)}" stroke="#333"/>`,
            `<text class="x-label" x="${f(xt)}" y="${f(axisY + 18)}" text-anchor="middle">${inHours ? `${+(m / 60).toFixed(2)}` : +m.toFixed(2)}</text>`
        )
    }
    parts.push(
        `<rect class="frame" x="${f(MARGIN.left)}" y="${f(MARGIN.top)}" width="${f(plotW)}" height="${f(plotH)}" fill="none" stroke="#333"/>`,
        `<text class="axis-title" x="${f(MARGIN.left + plotW / 2)}" y="${f(height - 8)}" text-anchor="middle">${escapeXml(opts.timeAxis ?? "time since start of trace")} (${inHours ? "h" : "min"})</text>`,
        `<text class="axis-title" transform="translate(16 ${f(MARGIN.top + plotH / 2)}) rotate(-90)" text-anchor="middle">power (kW)</text>`,
        `</g>`
    )

    // the billed tier of each closed period, under the plot
    parts.push(`<g id="periods">`)
    for (const p of data.periods.filter((p) => p.toMs > t0 && p.fromMs < t1)) {
        const from = x(Math.max(p.fromMs, t0))
        parts.push(
            `<rect class="period tier-${p.tier}" x="${f(from)}" y="${f(stripY)}" width="${f(Math.max(1, x(Math.min(p.toMs, t1)) - from))}" height="${STRIP_PX}" fill="${TIER_COLORS[p.tier % TIER_COLORS.length]}" stroke="#555" stroke-width="0.5"><title>billed in tier ${p.tier + 1}: ${escapeXml(labels[p.tier] ?? "")}</title></rect>`
        )
    }
    parts.push(`</g>`)

    parts.push(`<g id="thresholds" font-size="11">`)
    for (const th of tariff.tierThresholdsKw.filter((th) => th < yMaxKw))
        parts.push(
            `<line class="threshold" x1="${f(MARGIN.left)}" x2="${f(MARGIN.left + plotW)}" y1="${f(y(th))}" y2="${f(y(th))}" stroke="#b03030" stroke-dasharray="6 4"/>`,
            `<text class="threshold-label" x="${f(MARGIN.left + plotW - 4)}" y="${f(y(th) - 4)}" text-anchor="end" fill="#b03030">${th} kW</text>`
        )
    parts.push(`</g>`)

    parts.push(`<g id="grace" font-size="11">`)
    const graceXs = graceAtMs.filter((g) => g <= t1).map(x)
    const graceLabels = layoutLabels(graceXs, GRACE_LABEL.length * LABEL_CHAR_PX, MARGIN.left, MARGIN.left + plotW)
    graceXs.forEach((gx, i) => {
        parts.push(
            `<line class="grace" x1="${f(gx)}" x2="${f(gx)}" y1="${f(MARGIN.top)}" y2="${f(MARGIN.top + plotH)}" stroke="#6a3d9a" stroke-width="1.5"/>`
        )
        const label = graceLabels[i]
        if (label)
            parts.push(
                `<text class="grace-label" x="${f(label.x)}" y="${f(MARGIN.top + 12 + label.row * LABEL_ROW_PX)}" text-anchor="${label.anchor}" fill="#6a3d9a">${GRACE_LABEL}</text>`
            )
    })
    parts.push(`</g>`)

    // power: one polyline per run of valid readings
    parts.push(`<g id="power">`)
    let run: string[] = []
    const flush = () => {
        if (run.length)
            parts.push(
                `<polyline class="power" fill="none" stroke="#1f5fbf" stroke-width="1.5" points="${run.join(" ")}"/>`
            )
        run = []
    }
    for (const p of downsample(points)) {
        if (p.kw === null) flush()
        else run.push(`${f(x(p.t))},${f(y(p.kw))}`)
    }
    flush()
    parts.push(`</g>`)

    // legend
    const lx = MARGIN.left + plotW + 14
    let ly = MARGIN.top + 6
    const legend: string[] = [`<g id="legend" class="legend" font-size="11">`]
    const entry = (swatch: string, text: string) => {
        legend.push(swatch, `<text x="${lx + 24}" y="${ly + 4}">${escapeXml(text)}</text>`)
        ly += 18
    }
    entry(`<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="#1f5fbf" stroke-width="2"/>`, "power (kW)")
    entry(
        `<line x1="${lx}" x2="${lx + 18}" y1="${ly}" y2="${ly}" stroke="#b03030" stroke-dasharray="6 4"/>`,
        "tier threshold"
    )
    labels.forEach((label, i) =>
        entry(
            `<rect x="${lx}" y="${ly - 6}" width="18" height="12" fill="${TIER_COLORS[i]}"/>`,
            `tier ${i + 1}: ${label}`
        )
    )
    entry(
        `<rect x="${lx}" y="${ly - 3}" width="18" height="6" fill="${TIER_COLORS[0]}" stroke="#555" stroke-width="0.5"/>`,
        "billed tier (strip)"
    )
    entry(
        `<rect x="${lx}" y="${ly - 6}" width="18" height="12" fill="#7f7f7f" fill-opacity="0.25"/>`,
        "idle (finished)"
    )
    entry(
        `<line x1="${lx + 9}" x2="${lx + 9}" y1="${ly - 7}" y2="${ly + 7}" stroke="#6a3d9a" stroke-width="1.5"/>`,
        `grace ends (${tariff.idleGraceMs / 1000} s)`
    )
    if (shared.length)
        entry(`<rect x="${lx}" y="${ly - 3}" width="18" height="6" fill="${SHARED_COLOR}"/>`, "power sharing (tier 1)")
    const factors = new Set(occupied.map(([, , percent]) => factorClass(idleFactor(tariff, percent))))
    for (const k of ["free", "billed", "full"] as const)
        if (factors.has(k))
            entry(
                `<rect x="${lx}" y="${ly - 6}" width="18" height="12" fill="${OCCUPANCY_COLORS[k]}"/>`,
                k === "free"
                    ? `idle free (< ${tariff.idleMinOccupancyPct} % full)`
                    : k === "full"
                      ? `idle × ${tariff.idleFullMultiplier} (site full)`
                      : "idle × 1 (occupancy)"
            )
    legend.push(`</g>`)

    const title = opts.title ?? `Stall power · tariff ${tariff.id}`
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
        `<title>${escapeXml(title)}</title>`,
        `<rect class="background" width="${width}" height="${height}" fill="#fff"/>`,
        `<text id="chart-title" x="${MARGIN.left}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
        ...parts,
        ...legend,
        `</svg>`,
        "",
    ].join("\n")
}
