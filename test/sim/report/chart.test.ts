import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { replayTrace } from "../../../src/core/trace/replay"
import { layoutLabels, renderChart, traceEvents, type PlacedLabel } from "../../../sim/report/chart"
import { scenarioToTraces } from "../../../sim/scenario/scenario"
import { loadShipped, sampleRows } from "../helpers"

function chartOf(name: string, title?: string): string {
    const [{ trace }] = scenarioToTraces(loadShipped(name), { seed: 1 })
    return renderChart(trace, replayTrace(trace), { title })
}

/** Minimal well-formedness: one root, every tag closed in order, quotes balanced. */
function checkWellFormed(svg: string): void {
    expect(svg.trimStart().startsWith("<svg ")).toBe(true)
    const stack: string[] = []
    for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
        const [, closing, name, attrs, selfClosing] = m
        expect((attrs.match(/"/g) ?? []).length % 2).toBe(0)
        if (selfClosing) continue
        if (closing) expect(stack.pop()).toBe(name)
        else stack.push(name)
    }
    expect(stack).toEqual([])
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true)
    expect(svg.replace(/<[^>]*>/g, "")).not.toMatch(/[<>]/)
}

const count = (svg: string, cls: string) => (svg.match(new RegExp(`class="${cls}"`, "g")) ?? []).length

function attr(svg: string, cls: string, name: string): number {
    const el = svg.match(new RegExp(`<[a-z]+ class="${cls}"[^>]*>`))![0]
    return Number(el.match(new RegExp(` ${name}="([^"]+)"`))![1])
}

describe("renderChart", () => {
    it("draws power, threshold, tier bands, idle and the grace for an idle hog", () => {
        const svg = chartOf("idle-hog.json")
        checkWellFormed(svg)
        expect(count(svg, "power")).toBeGreaterThanOrEqual(1)
        expect(count(svg, "threshold")).toBe(1)
        expect(svg).toContain(">60 kW</text>")
        expect(count(svg, "tier-band tier-0")).toBe(1)
        expect(count(svg, "tier-band tier-1")).toBe(1)
        expect(count(svg, "idle")).toBe(1)
        expect(count(svg, "grace")).toBe(1)
        expect(svg).toContain('id="legend"')
        // the grace ends inside the idle period, 5 of its 25 minutes in
        const idleX = attr(svg, "idle", "x")
        const idleW = attr(svg, "idle", "width")
        const graceX = attr(svg, "grace", "x1")
        expect((graceX - idleX) / idleW).toBeCloseTo(5 / 25, 1)
    })

    it("marks power sharing along the top, from the sharing events", () => {
        const [{ trace }] = scenarioToTraces(loadShipped("paired-stalls.json"), { seed: 1 })
        const svg = renderChart(trace, replayTrace(trace))
        checkWellFormed(svg)
        expect(count(svg, "shared")).toBe(1)
        expect(svg).toContain("power sharing (tier 1)")
        const [on, off] = traceEvents(trace.rows, Infinity).shared.flatMap((s) => [s.fromMs, s.toMs])
        const samples = sampleRows(trace.rows)
        const [t0, t1] = [samples[0][0], samples.at(-1)![0]]
        const frameX = attr(svg, "frame", "x")
        const frameW = attr(svg, "frame", "width")
        expect(attr(svg, "shared", "x")).toBeCloseTo(frameX + ((on - t0) / (t1 - t0)) * frameW, 0)
        expect(attr(svg, "shared", "width")).toBeCloseTo(((off - on) / (t1 - t0)) * frameW, 0)
        expect(attr(svg, "shared", "y")).toBe(attr(svg, "frame", "y"))
    })

    it("marks the occupancy during idle by the factor it gives, and nothing without events", () => {
        const svg = chartOf("idle-occupancy.json")
        checkWellFormed(svg)
        // idle from ~25 min to ~65: 30 % (free), 60 % (× 1), 100 % (× 2), 40 % (free)
        expect(count(svg, "occupancy factor-free")).toBe(2)
        expect(count(svg, "occupancy factor-billed")).toBe(1)
        expect(count(svg, "occupancy factor-full")).toBe(1)
        expect(svg).toContain("site 100 % full: idle × 2")
        expect(svg).toContain(">60 %</text>")
        expect(svg).toContain("idle free (&lt; 50 % full)")
        expect(svg).toContain("idle × 2 (site full)")
        const hog = chartOf("idle-hog.json")
        for (const cls of ["shared", "occupancy factor-free", "occupancy factor-billed"])
            expect(count(hog, cls)).toBe(0)
        expect(hog).not.toContain("power sharing")
        expect(traceEvents([{ t: 5, event: "sharing", on: true }, [6, "C", 400, 10]], 9)).toEqual({
            shared: [{ fromMs: 5, toMs: 9 }],
            occupancy: [],
        })
    })

    it("draws the billed tier of every period in a strip under the plot", () => {
        const [{ trace }] = scenarioToTraces(loadShipped("v3-four-tiers.json"), { seed: 1 })
        const svg = renderChart(trace, replayTrace(trace))
        checkWellFormed(svg)
        const billed = replayTrace(trace)
            .filter((o) => o.type === "session")
            .reduce((n: number[], r) => r.tierMinutes.map((m, i) => (n[i] ?? 0) + m), [])
        expect(billed.map((_, i) => count(svg, `period tier-${i}`))).toEqual(billed)
        // under the plot: below the frame's bottom edge
        const frameBottom = attr(svg, "frame", "y") + attr(svg, "frame", "height")
        expect(attr(svg, "period tier-0", "y")).toBeGreaterThan(frameBottom)
    })

    it("draws no grace line when the driver leaves within it", () => {
        const svg = chartOf("de-tiers.json")
        checkWellFormed(svg)
        expect(count(svg, "idle")).toBe(2)
        expect(count(svg, "grace")).toBe(0)
    })

    it("labels every threshold of a four-tier tariff", () => {
        const svg = chartOf("v3-four-tiers.json")
        checkWellFormed(svg)
        expect(count(svg, "threshold")).toBe(3)
        for (const th of [60, 100, 180]) expect(svg).toContain(`>${th} kW</text>`)
        expect(count(svg, "tier-band tier-3")).toBe(1)
    })

    it("breaks the power line where the meter gave no reading", () => {
        const svg = chartOf("faulty-meter.json")
        checkWellFormed(svg)
        expect(count(svg, "power")).toBeGreaterThanOrEqual(3)
    })

    it("escapes the title and stays small on a long trace", () => {
        const svg = chartOf("busy-day.json", 'Busy <day> & "night"')
        checkWellFormed(svg)
        expect(svg).toContain("Busy &lt;day&gt; &amp; &quot;night&quot;")
        const points = [...svg.matchAll(/points="([^"]*)"/g)].reduce((n, m) => n + m[1].split(" ").length, 0)
        expect(points).toBeLessThanOrEqual(2000)
        expect(count(svg, "idle")).toBe(20)
    })
})

/** Two placed labels of one row overlap, or touch closer than the gap. */
function clash(a: PlacedLabel, b: PlacedLabel, gapPx: number): boolean {
    return a.row === b.row && a.fromPx < b.toPx + gapPx && b.fromPx < a.toPx + gapPx
}

describe("layoutLabels", () => {
    const band = fc.record({
        leftPx: fc.integer({ min: 0, max: 200 }),
        spanPx: fc.integer({ min: 50, max: 1000 }),
        widthPx: fc.integer({ min: 10, max: 80 }),
        rows: fc.integer({ min: 1, max: 4 }),
    })

    it("never overlaps two labels, keeps them in the band and next to their mark", () => {
        fc.assert(
            fc.property(
                band,
                fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
                ({ leftPx, spanPx, widthPx, rows }, at) => {
                    const xs = at.map((u) => leftPx + u * spanPx)
                    const placed = layoutLabels(xs, widthPx, leftPx, leftPx + spanPx, rows)
                    expect(placed).toHaveLength(xs.length)
                    const shown = placed.filter((p): p is PlacedLabel => p !== null)
                    for (const [i, p] of placed.entries()) {
                        if (!p) continue
                        expect(p.row).toBeGreaterThanOrEqual(0)
                        expect(p.row).toBeLessThan(rows)
                        expect(p.toPx - p.fromPx).toBeCloseTo(widthPx, 6)
                        expect(p.fromPx).toBeGreaterThanOrEqual(leftPx)
                        expect(p.toPx).toBeLessThanOrEqual(leftPx + spanPx)
                        // the label starts just right of its mark, or ends just left of it
                        expect(Math.abs(p.anchor === "start" ? p.fromPx - xs[i] : xs[i] - p.toPx)).toBeCloseTo(3, 6)
                    }
                    for (let i = 0; i < shown.length; i++)
                        for (let j = i + 1; j < shown.length; j++) expect(clash(shown[i], shown[j], 3)).toBe(false)
                    // the leftmost mark always gets its label when one fits the band
                    if (xs.length && widthPx + 3 <= spanPx / 2)
                        expect(placed[xs.indexOf(Math.min(...xs))]).not.toBeNull()
                }
            )
        )
    })

    it("stacks labels of close marks, then leaves out what fits no row", () => {
        const placed = layoutLabels([100, 110, 120, 130], 60, 0, 960, 3)
        expect(placed.map((p) => p?.row ?? null)).toEqual([0, 1, 2, null])
        // near the right edge a label ends at its mark
        expect(layoutLabels([950], 60, 0, 960)[0]).toMatchObject({ anchor: "end", toPx: 947 })
    })

    it("draws no two grace labels over each other on a busy day", () => {
        const svg = chartOf("busy-day.json")
        checkWellFormed(svg)
        const labels = [
            ...svg.matchAll(/<text class="grace-label" x="([\d.]+)" y="([\d.]+)" text-anchor="(start|end)"/g),
        ].map(([, x, y, anchor]) => {
            const from = anchor === "start" ? Number(x) : Number(x) - 65
            return { from, to: from + 65, y: Number(y) }
        })
        expect(labels.length).toBeGreaterThan(1)
        expect(labels.length).toBeLessThanOrEqual(count(svg, "grace"))
        for (let i = 0; i < labels.length; i++)
            for (let j = i + 1; j < labels.length; j++) {
                const [a, b] = [labels[i], labels[j]]
                expect(a.y === b.y && a.from < b.to && b.from < a.to).toBe(false)
            }
    })
})
