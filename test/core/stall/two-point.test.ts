import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { calibrated, Calibration } from "../../../src/core/stall/calibration"
import { calibrationOf, SETTINGS, settingsFrom, validSetting } from "../../../src/core/stall/settings"
import { calibrationKeys, calibrationLines, twoPointCalibration } from "../../../src/core/stall/two-point"

const CHANNELS: (keyof Calibration)[] = ["busVolts", "amps", "pilotVolts"]
const spec = (key: string) => SETTINGS.find((s) => s.key === key)!

/** .env lines as DeviceScript reads them (values JSON) */
function envOf(lines: string[]): Record<string, unknown> {
    return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), JSON.parse(l.slice(l.indexOf("=") + 1))]))
}

/** a channel, a calibration well inside its settings' ranges, two distinct raw readings in 5..95 % */
const channelCase = fc
    .constantFrom(...CHANNELS)
    .chain((channel) => {
        const [g, o] = calibrationKeys(channel).map(spec)
        return fc.record({
            channel: fc.constant(channel),
            gain: fc.double({ min: 0.01, max: g.max * 0.99, noNaN: true }),
            offset: fc.double({ min: o.min * 0.99, max: o.max * 0.99, noNaN: true }),
            raws: fc.tuple(
                fc.double({ min: 0.05, max: 0.95, noNaN: true }),
                fc.double({ min: 0.05, max: 0.95, noNaN: true })
            ),
        })
    })
    .filter((c) => Math.abs(c.raws[0] - c.raws[1]) >= 0.05)

describe("twoPointCalibration", () => {
    test("the board's design points give its nominal calibration (boards/stall_s3.env)", () => {
        const v = twoPointCalibration("busVolts", { raw: 0.1, value: 0 }, { raw: 0.9, value: 1000 })
        expect(v.error).toBe(null)
        expect(v.value!.gain).toBeCloseTo(1250, 9)
        expect(v.value!.offset).toBeCloseTo(-125, 9)
        const cp = twoPointCalibration("pilotVolts", { raw: 0.1, value: -12 }, { raw: 0.9, value: 12 })
        expect(cp.value!.gain).toBeCloseTo(30, 9)
        expect(cp.value!.offset).toBeCloseTo(-15, 9)
    })

    test("recovers the line through any two distinct points, in either order, and maps both exactly enough", () => {
        fc.assert(
            fc.property(channelCase, fc.boolean(), ({ channel, gain, offset, raws }, swap) => {
                const pts = raws.map((raw) => ({ raw, value: raw * gain + offset }))
                if (swap) pts.reverse()
                const r = twoPointCalibration(channel, pts[0], pts[1])
                const span = Math.abs(gain) + Math.abs(offset)
                expect(r.error).toBe(null)
                expect(Math.abs(r.value!.gain - gain)).toBeLessThanOrEqual(1e-9 * span * 20)
                expect(Math.abs(r.value!.offset - offset)).toBeLessThanOrEqual(1e-9 * span * 20)
                for (const p of pts)
                    expect(Math.abs(calibrated(p.raw, r.value!) - p.value)).toBeLessThanOrEqual(1e-9 * span)
            })
        )
    })

    test("an accepted result is valid settings: its lines read back as the same calibration", () => {
        fc.assert(
            fc.property(channelCase, ({ channel, gain, offset, raws }) => {
                const r = twoPointCalibration(
                    channel,
                    { raw: raws[0], value: raws[0] * gain + offset },
                    { raw: raws[1], value: raws[1] * gain + offset }
                )
                if (r.error !== null) return
                const lines = calibrationLines(channel, r.value!)
                expect(lines.map((l) => l.slice(0, l.indexOf("=")))).toEqual(calibrationKeys(channel))
                const read = settingsFrom(envOf(lines))
                expect(read.problems).toEqual([])
                expect(calibrationOf(read.settings)[channel]).toEqual(r.value)
            })
        )
    })

    test("whatever the points, a result is either refused or within the settings' ranges", () => {
        const num = fc.oneof(fc.double(), fc.constantFrom(0, 0.5, 1))
        fc.assert(
            fc.property(fc.constantFrom(...CHANNELS), num, num, num, num, (channel, r1, v1, r2, v2) => {
                const r = twoPointCalibration(channel, { raw: r1, value: v1 }, { raw: r2, value: v2 })
                if (r.error !== null) {
                    expect(r.value).toBe(null)
                    return
                }
                const [g, o] = calibrationKeys(channel).map(spec)
                expect(validSetting(g, r.value.gain)).toBe(true)
                expect(validSetting(o, r.value.offset)).toBe(true)
            })
        )
    })

    test.each([
        ["equal raw readings", "busVolts", [0.5, 0], [0.5, 1000], /same raw reading/],
        ["a NaN raw", "busVolts", [NaN, 0], [0.9, 1000], /finite/],
        ["an infinite value", "amps", [0.1, -Infinity], [0.9, 600], /finite/],
        ["a falling line (swapped or inverted wiring)", "busVolts", [0.1, 1000], [0.9, 0], /^V_GAIN would be -1250/],
        [
            "a gain beyond the range (raws too close)",
            "amps",
            [0.5, 0],
            [0.5000001, 600],
            /^I_GAIN would be .* outside 0.001 to 100000/,
        ],
        [
            "an offset beyond the range",
            "pilotVolts",
            [0.1, -60],
            [0.9, -40],
            /^CP_OFFSET would be .* outside -50 to 50/,
        ],
    ] as [string, keyof Calibration, number[], number[], RegExp][])("refused: %s", (_what, channel, a, b, why) => {
        const r = twoPointCalibration(channel, { raw: a[0], value: a[1] }, { raw: b[0], value: b[1] })
        expect(r.value).toBe(null)
        expect(r.error).toMatch(why)
    })
})

describe("calibrationKeys", () => {
    test("each channel writes its own pair of settings, of kind number", () => {
        expect(CHANNELS.map(calibrationKeys)).toEqual([
            ["V_GAIN", "V_OFFSET"],
            ["I_GAIN", "I_OFFSET"],
            ["CP_GAIN", "CP_OFFSET"],
        ])
        for (const k of CHANNELS.flatMap(calibrationKeys)) expect(spec(k).kind).toBe("number")
    })
})
