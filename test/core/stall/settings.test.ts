import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { join } from "node:path"
import { readEnvFile } from "../../../sim/commands/env-file"
import { defaultConfig } from "../../../src/core/billing/config"
import { defaultSettings, SETTING_KEYS, SETTINGS, settingsFrom, settingValues } from "../../../src/core/stall/settings"

describe("settings", () => {
    test("keys fit the platform's 13-character limit", () => {
        for (const k of SETTING_KEYS) expect(k.length, k).toBeLessThanOrEqual(13)
    })

    test("missing values take their defaults silently", () => {
        expect(settingsFrom({})).toEqual({ settings: defaultSettings(), problems: [] })
    })

    test("valid values are taken", () => {
        const { settings, problems } = settingsFrom({
            STALL_ID: "DE-BER-07",
            MQTT_PORT: 8883,
            MQTT_PROTO: "tls",
            CONNECTOR: "CCS2",
            TARIFF: "FR-2017",
            SAMPLE_MS: 500,
            TELEMETRY_MS: 5000,
            TAP: true,
            MIN_KW: 2,
            FINISH_MS: 30000,
            MAX_GAP_MS: 8000,
            MAX_KW: 350,
            METER_FLT_MS: 20000,
        })
        expect(problems).toEqual([])
        expect(settings).toMatchObject({
            stallId: "DE-BER-07",
            mqttPort: 8883,
            mqttProto: "tls",
            connector: "CCS2",
            tap: true,
        })
        expect(settings.core).toEqual({
            minChargingKw: 2,
            finishAfterMs: 30000,
            maxGapMs: 8000,
            maxKw: 350,
            meterFaultAfterMs: 20000,
        })
    })

    test.each([
        ["STALL_ID", "a/b"],
        ["STALL_ID", "#"],
        ["MQTT_PORT", 70000],
        ["MQTT_PORT", "1883"],
        ["MQTT_PROTO", "ws"],
        ["CONNECTOR", "CHAdeMO"],
        ["TARIFF", "XX"],
        ["SAMPLE_MS", 10],
        ["TAP", "yes"],
        ["MAX_KW", -1],
        ["TOPIC_PREFIX", "a+b"],
        ["FINISH_MS", 1.5],
    ])("%s=%j falls back to its default with a problem reported", (key, value) => {
        const { settings, problems } = settingsFrom({ [key]: value })
        expect(settings).toEqual(defaultSettings())
        expect(problems).toEqual([key + " invalid, using default"])
    })
})

describe("one settings table", () => {
    /** .env.defaults as DeviceScript reads it */
    const envDefaults = () => readEnvFile(join(import.meta.dirname, "..", "..", "..", ".env.defaults"))

    test(".env.defaults lists every setting but the secrets, each with the table's default", () => {
        const env = envDefaults()
        const expected = Object.fromEntries(SETTINGS.filter((s) => !s.secret).map((s) => [s.key, s.default]))
        expect(env).toEqual(expected)
        expect(settingsFrom(env)).toEqual({ settings: defaultSettings(), problems: [] })
    })

    test("the SEMANTICS config defaults are the billing core's", () => {
        expect(defaultSettings().core).toEqual(defaultConfig())
    })

    test("settingValues is the inverse of settingsFrom for any valid settings", () => {
        const valid = fc.record(
            Object.fromEntries(
                SETTINGS.map((s) => [
                    s.key,
                    s.kind === "bool"
                        ? fc.boolean()
                        : s.kind === "int"
                          ? fc.integer({ min: s.min, max: s.max })
                          : s.kind === "number"
                            ? fc.double({ min: s.min, max: s.max, noNaN: true })
                            : s.kind === "choice"
                              ? fc.constantFrom(...s.choices)
                              : s.kind === "level"
                                ? fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/)
                                : fc.string({ minLength: 1, maxLength: s.max }),
                ])
            )
        )
        fc.assert(
            fc.property(valid, (raw) => {
                const { settings, problems } = settingsFrom(raw)
                expect(problems).toEqual([])
                expect(settingValues(settings)).toEqual(raw)
                expect(settingsFrom(settingValues(settings)).settings).toEqual(settings)
            })
        )
    })

    test("every key is unique and every field lands in StallSettings", () => {
        expect(new Set(SETTING_KEYS).size).toBe(SETTINGS.length)
        const d = defaultSettings() as any
        for (const s of SETTINGS) expect((s.core ? d.core : d)[s.field], s.key).toBe(s.default)
    })
})
