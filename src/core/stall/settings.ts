import { StallConfig, defaultConfig } from "../billing/config"
import { isFiniteNumber, isInteger } from "../num"
import { PRESET_IDS } from "../billing/tariff"

/**
 * The stall's settings (DeviceScript settings: .env.defaults, .env.local, or
 * written at deploy). An invalid value falls back to its default and is
 * reported, so a typo never leaves the stall without a configuration.
 */
export interface StallSettings {
    stallId: string
    mqttHost: string
    mqttPort: number
    mqttProto: string
    mqttUser: string
    mqttPassword: string
    topicPrefix: string
    connector: string
    tariffId: string
    sampleMs: number
    telemetryMs: number
    tap: boolean
    core: StallConfig
}

/** Keys (at most 13 characters: a platform limit) in the order they are read. */
export const SETTING_KEYS = [
    "STALL_ID",
    "MQTT_HOST",
    "MQTT_PORT",
    "MQTT_PROTO",
    "MQTT_USER",
    "MQTT_PASSWORD",
    "TOPIC_PREFIX",
    "CONNECTOR",
    "TARIFF",
    "SAMPLE_MS",
    "TELEMETRY_MS",
    "TAP",
    "MIN_KW",
    "FINISH_MS",
    "MAX_GAP_MS",
    "MAX_KW",
    "METER_FLT_MS",
]

export const CONNECTORS = ["NACS", "CCS1", "CCS2"]

export function defaultSettings(): StallSettings {
    return {
        stallId: "stall-1",
        mqttHost: "127.0.0.1",
        mqttPort: 1883,
        mqttProto: "tcp",
        mqttUser: "",
        mqttPassword: "",
        topicPrefix: "stalls",
        connector: "NACS",
        tariffId: "DE-2017",
        sampleMs: 1000,
        telemetryMs: 10000,
        tap: false,
        core: defaultConfig(),
    }
}

function oneOf(x: unknown, list: string[]): boolean {
    for (let i = 0; i < list.length; i++) if (x === list[i]) return true
    return false
}

/** A topic level: 1-32 of A-Z a-z 0-9 _ - (no wildcards, no slashes). */
function topicLevel(x: unknown): boolean {
    if (typeof x !== "string" || x.length < 1 || x.length > 32) return false
    for (let i = 0; i < x.length; i++) {
        const c = x.charCodeAt(i)
        const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45
        if (!ok) return false
    }
    return true
}

function intIn(x: unknown, min: number, max: number): boolean {
    return isInteger(x) && x >= min && x <= max
}

function numIn(x: unknown, min: number, max: number): boolean {
    return isFiniteNumber(x) && x >= min && x <= max
}

/**
 * Validates raw settings (a missing key is undefined and silently takes its
 * default). Returns the settings and one line per rejected value.
 */
export function settingsFrom(raw: any): { settings: StallSettings; problems: string[] } {
    const s = defaultSettings()
    const problems: string[] = []
    const take = (key: string, ok: (x: unknown) => boolean, set: (x: any) => void) => {
        const x = raw[key]
        if (x === undefined || x === null || x === "") return
        if (ok(x)) set(x)
        else problems.push(key + " invalid, using default")
    }
    take("STALL_ID", topicLevel, (x) => (s.stallId = x))
    take(
        "MQTT_HOST",
        (x) => typeof x === "string" && x.length <= 253,
        (x) => (s.mqttHost = x)
    )
    take(
        "MQTT_PORT",
        (x) => intIn(x, 1, 65535),
        (x) => (s.mqttPort = x)
    )
    take(
        "MQTT_PROTO",
        (x) => oneOf(x, ["tcp", "tls"]),
        (x) => (s.mqttProto = x)
    )
    take(
        "MQTT_USER",
        (x) => typeof x === "string" && x.length <= 64,
        (x) => (s.mqttUser = x)
    )
    take(
        "MQTT_PASSWORD",
        (x) => typeof x === "string" && x.length <= 128,
        (x) => (s.mqttPassword = x)
    )
    take("TOPIC_PREFIX", topicLevel, (x) => (s.topicPrefix = x))
    take(
        "CONNECTOR",
        (x) => oneOf(x, CONNECTORS),
        (x) => (s.connector = x)
    )
    take(
        "TARIFF",
        (x) => oneOf(x, PRESET_IDS),
        (x) => (s.tariffId = x)
    )
    take(
        "SAMPLE_MS",
        (x) => intIn(x, 100, 10000),
        (x) => (s.sampleMs = x)
    )
    take(
        "TELEMETRY_MS",
        (x) => intIn(x, 1000, 3600000),
        (x) => (s.telemetryMs = x)
    )
    take(
        "TAP",
        (x) => x === true || x === false,
        (x) => (s.tap = x)
    )
    take(
        "MIN_KW",
        (x) => numIn(x, 0.1, 50),
        (x) => (s.core.minChargingKw = x)
    )
    take(
        "FINISH_MS",
        (x) => intIn(x, 0, 3600000),
        (x) => (s.core.finishAfterMs = x)
    )
    take(
        "MAX_GAP_MS",
        (x) => intIn(x, 1000, 600000),
        (x) => (s.core.maxGapMs = x)
    )
    take(
        "MAX_KW",
        (x) => numIn(x, 1, 2000),
        (x) => (s.core.maxKw = x)
    )
    take(
        "METER_FLT_MS",
        (x) => intIn(x, 0, 3600000),
        (x) => (s.core.meterFaultAfterMs = x)
    )
    return { settings: s, problems }
}
