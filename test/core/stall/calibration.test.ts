import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { calibrated, milli, rawFor } from "../../../src/core/stall/calibration"
import { calibrationOf, defaultSettings, settingsFrom } from "../../../src/core/stall/settings"
import { pilotFromVolts, pilotNominalVolts } from "../../../src/core/stall/pilot-line"
import type { PilotState } from "../../../src/core/billing/pilot"

const channel = fc.record({
    gain: fc.double({ min: 0.001, max: 100000, noNaN: true }),
    offset: fc.double({ min: -2000, max: 2000, noNaN: true }),
})

describe("calibration", () => {
    test("raw × gain + offset; a reading that is not a number stays unreadable", () => {
        expect(calibrated(4, { gain: 100, offset: 0 })).toBe(400)
        expect(calibrated(0.5, { gain: 24, offset: -12 })).toBe(0)
        expect(calibrated(NaN, { gain: 1, offset: 0 })).toBeNaN()
        expect(calibrated(Infinity, { gain: 1, offset: 0 })).toBeNaN()
        expect(milli(NaN, { gain: 1, offset: 0 })).toBeNull()
        expect(milli(0.12525, { gain: 1000, offset: 0 })).toBe(125_250)
    })

    test("property: rawFor is the inverse, to the milli-unit the stall records", () => {
        fc.assert(
            fc.property(channel, fc.integer({ min: -1_000_000, max: 1_000_000 }), (c, mx) => {
                expect(milli(rawFor(mx / 1000, c), c)).toBe(mx)
            })
        )
    })

    test("the simulator defaults put every pilot state and a stall's range on the dashboard's sliders", () => {
        const cal = calibrationOf(defaultSettings())
        for (const p of ["A", "B", "C", "D", "E", "F"] as PilotState[]) {
            const raw = rawFor(pilotNominalVolts(p), cal.pilotVolts)
            expect(raw).toBeGreaterThanOrEqual(0)
            expect(raw).toBeLessThanOrEqual(1)
            // the potentiometer's reading is u0.16: the nearest code still reads the state
            const code = Math.min(65535, Math.round(raw * 65536))
            expect(pilotFromVolts(calibrated(code / 65536, cal.pilotVolts))).toBe(p)
        }
        expect(rawFor(1000, cal.busVolts)).toBeGreaterThan(7) // 0–7 V: up to 700 V
        expect(rawFor(700, cal.busVolts)).toBeLessThanOrEqual(7)
        expect(rawFor(1000, cal.amps)).toBeLessThanOrEqual(1) // 0–1 A: up to 1000 A
    })

    test.each([
        ["V_GAIN", 0],
        ["I_GAIN", -1],
        ["CP_GAIN", "24"],
        ["V_OFFSET", 5000],
        ["CP_OFFSET", NaN],
    ])("%s=%j is refused; the default stays", (key, value) => {
        const { settings, problems } = settingsFrom({ [key]: value })
        expect(problems).toEqual([key + " invalid, using default"])
        expect(calibrationOf(settings)).toEqual(calibrationOf(defaultSettings()))
    })
})
