import { describe, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
    ADC_RAIL,
    calibrationKeys,
    calibrationOf,
    pilotNominalVolts,
    PILOT_WINDOW_V,
    rawFor,
    settingsFrom,
    SETTINGS,
    validSetting,
} from "../../src/core/stall/index"
import { PilotState } from "../../src/core/billing/index"
import { readEnvFile } from "../../sim/commands/env-file"

const BOARDS = join(import.meta.dirname, "..", "..", "boards")
const env = readEnvFile(join(BOARDS, "stall_s3.env"))
const board = JSON.parse(readFileSync(join(BOARDS, "stall_s3.board.json"), "utf8"))

describe("boards/stall_s3.env (the board's nominal calibration)", () => {
    test("every key is a known setting with a valid value", () => {
        expect(Object.keys(env).length).toBeGreaterThan(0)
        for (const [key, value] of Object.entries(env)) {
            const spec = SETTINGS.find((s) => s.key === key)
            expect(spec, `${key} is not a setting`).toBeDefined()
            expect(validSetting(spec!, value), `${key}=${JSON.stringify(value)}`).toBe(true)
        }
        expect(settingsFrom(env).problems).toEqual([])
    })

    test("it sets every channel's gain and offset, and nothing else", () => {
        const keys = (["busVolts", "amps", "pilotVolts"] as const).flatMap(calibrationKeys)
        expect(Object.keys(env).sort()).toEqual(keys.sort())
    })

    // docs/hardware.md: each front end maps its range into 10..90 % of the ADC (a live zero)
    const cal = calibrationOf(settingsFrom(env).settings)
    test.each([
        ["bus 0 V", rawFor(0, cal.busVolts), 0.1],
        ["bus 1000 V", rawFor(1000, cal.busVolts), 0.9],
        ["current -600 A", rawFor(-600, cal.amps), 0.1],
        ["current 0 A", rawFor(0, cal.amps), 0.5],
        ["current +600 A", rawFor(600, cal.amps), 0.9],
        ["pilot -12 V", rawFor(-12, cal.pilotVolts), 0.1],
        ["pilot +12 V", rawFor(12, cal.pilotVolts), 0.9],
    ])("the front end's design point: %s reads %d of full scale", (_what, raw, expected) => {
        expect(raw).toBeCloseTo(expected, 12)
    })

    test("every pilot level's ±1 V window lies inside the ADC's usable range", () => {
        for (const s of ["A", "B", "C", "D", "E", "F"] as PilotState[])
            for (const v of [pilotNominalVolts(s) - PILOT_WINDOW_V, pilotNominalVolts(s) + PILOT_WINDOW_V]) {
                const raw = rawFor(v, cal.pilotVolts)
                expect(raw, `${s} at ${v} V`).toBeGreaterThan(ADC_RAIL)
                expect(raw, `${s} at ${v} V`).toBeLessThan(1 - ADC_RAIL)
            }
    })
})

describe("boards/stall_s3.board.json", () => {
    // ESP32-S3 ADC1 is GPIO1-10; ADC2 cannot be read while Wi-Fi runs; GPIO3 is a strapping pin
    const analog = [
        ...board.$services.map((s: { pin: number }) => s.pin),
        board.pins[board.$pins.BUS_V],
        board.pins[board.$pins.HALL_I],
    ]

    test.each(analog)("analog input GPIO%d is on ADC1 and no strapping pin", (gpio) => {
        expect(gpio).toBeGreaterThanOrEqual(1)
        expect(gpio).toBeLessThanOrEqual(10)
        expect(gpio).not.toBe(3)
    })

    test("the pilot, the two meter channels and the Jacdac line use four different pins", () => {
        expect(new Set([...analog, board.jacdac.pin]).size).toBe(4)
    })
})
