import { describe, expect, test } from "vitest"
import { defaultSettings, SETTING_KEYS, settingsFrom } from "../../../src/core/stall/settings"

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
