import { describe, expect, it } from "vitest"
import { replayTrace } from "../../../src/core/trace/replay"
import { renderChart } from "../../../sim/report/chart"
import { scenarioToTraces } from "../../../sim/scenario/scenario"
import { loadShipped } from "../helpers"

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
