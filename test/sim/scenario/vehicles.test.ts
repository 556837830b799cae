import { describe, expect, it } from "vitest"
import { acceptKw, chargeMinutes, interpolate, packVolts, VEHICLES } from "../../../sim/scenario/vehicles"

describe("vehicles", () => {
    it.each(Object.values(VEHICLES))("$id matches its published figures", (v) => {
        const peak = Math.max(...v.acceptKw.map(([, kw]) => kw))
        expect(Math.abs(peak - v.published.peakKw) / v.published.peakKw).toBeLessThanOrEqual(0.05)
        const ct = v.published.chargeTime
        if (ct)
            expect(Math.abs(chargeMinutes(v, ct.fromPct, ct.toPct) - ct.minutes) / ct.minutes).toBeLessThanOrEqual(0.15)
    })

    it.each(Object.values(VEHICLES))("$id has well-formed curves", (v) => {
        for (const curve of [v.acceptKw, v.packVolts]) {
            expect(curve[0][0]).toBe(0)
            expect(curve[curve.length - 1][0]).toBe(100)
            for (let i = 1; i < curve.length; i++) expect(curve[i][0]).toBeGreaterThan(curve[i - 1][0])
        }
        // a car always accepts something, so every target is reached
        expect(acceptKw(v, 100)).toBeGreaterThan(0)
        expect(packVolts(v, 100)).toBeGreaterThan(packVolts(v, 0))
    })

    it("interpolates linearly and clamps", () => {
        const pts = [
            [0, 10],
            [50, 20],
            [100, 0],
        ] as const
        expect(interpolate(pts, 25)).toBe(15)
        expect(interpolate(pts, 75)).toBe(10)
        expect(interpolate(pts, -5)).toBe(10)
        expect(interpolate(pts, 120)).toBe(0)
    })

    it("keeps the MINI under 60 kW and the 800 V car at 800 V", () => {
        expect(Math.max(...VEHICLES["mini-cooper-se"].acceptKw.map(([, kw]) => kw))).toBeLessThan(60)
        expect(packVolts(VEHICLES["porsche-taycan-pbp"], 50)).toBeGreaterThan(700)
    })
})
