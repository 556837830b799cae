import { defaultConfig, StallConfig } from "../billing/config"
import { PRESET_IDS } from "../billing/tariff"
import { isFiniteNumber, isInteger } from "../num"
import { Calibration } from "./calibration"
import { StallIdentity } from "./messages"

/**
 * The stall's settings (DeviceScript settings: .env.defaults, .env.local, or
 * written at deploy), all in one table: key, where it lands, how it is checked,
 * its default. An invalid value falls back to its default and is reported, so a
 * typo never leaves the stall without a configuration.
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
    /** restart guards (guard.ts) */
    watchdogMs: number
    restartMs: number
    hardRestartMs: number
    /** calibration (see calibration.ts): bus volts, amps, pilot volts */
    vGain: number
    vOffset: number
    iGain: number
    iOffset: number
    cpGain: number
    cpOffset: number
    core: StallConfig
}

/** text: a string of at most `max` characters; level: a topic level (A–Z a–z 0–9 _ -, 1 to 32). */
export type SettingKind = "text" | "level" | "int" | "number" | "bool" | "choice"

export interface SettingSpec {
    /** at most 13 characters: a platform limit */
    key: string
    /** the field of StallSettings, or of StallSettings.core when `core` */
    field: string
    core: boolean
    kind: SettingKind
    min: number
    max: number
    choices: string[]
    default: any
    /** from .env.local only, never committed */
    secret: boolean
}

export const CONNECTORS = ["NACS", "CCS1", "CCS2"]
const DAY_MS = 86400000

function spec(
    key: string,
    field: string,
    kind: SettingKind,
    dflt: any,
    min = 0,
    max = 0,
    choices: string[] = []
): SettingSpec {
    return { key, field, core: false, kind, min, max, choices, default: dflt, secret: false }
}

const CORE_DEFAULTS: any = defaultConfig()

/** A SEMANTICS config value: its default is the billing core's. */
function coreSpec(key: string, field: string, kind: SettingKind, min: number, max: number): SettingSpec {
    const s = spec(key, field, kind, CORE_DEFAULTS[field], min, max)
    s.core = true
    return s
}

function secret(s: SettingSpec): SettingSpec {
    s.secret = true
    return s
}

/** Every setting, in the order they are read. */
export const SETTINGS: SettingSpec[] = [
    spec("STALL_ID", "stallId", "level", "stall-1"),
    spec("MQTT_HOST", "mqttHost", "text", "127.0.0.1", 0, 253),
    spec("MQTT_PORT", "mqttPort", "int", 1883, 1, 65535),
    spec("MQTT_PROTO", "mqttProto", "choice", "tcp", 0, 0, ["tcp", "tls"]),
    secret(spec("MQTT_USER", "mqttUser", "text", "", 0, 64)),
    secret(spec("MQTT_PASSWORD", "mqttPassword", "text", "", 0, 128)),
    spec("TOPIC_PREFIX", "topicPrefix", "level", "stalls"),
    spec("CONNECTOR", "connector", "choice", "NACS", 0, 0, CONNECTORS),
    spec("TARIFF", "tariffId", "choice", "DE-2017", 0, 0, PRESET_IDS),
    spec("SAMPLE_MS", "sampleMs", "int", 1000, 100, 10000),
    spec("TELEMETRY_MS", "telemetryMs", "int", 10000, 1000, 3600000),
    spec("TAP", "tap", "bool", false),
    // restarts: a stuck sampling loop; uptime before 32-bit timers wrap (~49.7 days)
    spec("WATCHDOG_MS", "watchdogMs", "int", 30000, 5000, 600000),
    spec("RESTART_MS", "restartMs", "int", 40 * DAY_MS, 10000, 45 * DAY_MS),
    spec("HARD_RST_MS", "hardRestartMs", "int", 45 * DAY_MS, 10000, 48 * DAY_MS),
    // defaults: the VS Code simulator's sliders (0–7 V → 0–700 V, 0–1 A → 0–1000 A, a
    // potentiometer 0–1 → −12…+12 V on the pilot); a board's come from its calibration
    spec("V_GAIN", "vGain", "number", 100, 0.001, 100000),
    spec("V_OFFSET", "vOffset", "number", 0, -2000, 2000),
    spec("I_GAIN", "iGain", "number", 1000, 0.001, 100000),
    spec("I_OFFSET", "iOffset", "number", 0, -2000, 2000),
    spec("CP_GAIN", "cpGain", "number", 24, 0.001, 1000),
    spec("CP_OFFSET", "cpOffset", "number", -12, -50, 50),
    coreSpec("MIN_KW", "minChargingKw", "number", 0.1, 50),
    coreSpec("FINISH_MS", "finishAfterMs", "int", 0, 3600000),
    coreSpec("MAX_GAP_MS", "maxGapMs", "int", 1000, 600000),
    coreSpec("MAX_KW", "maxKw", "number", 1, 2000),
    coreSpec("METER_FLT_MS", "meterFaultAfterMs", "int", 0, 3600000),
]

export const SETTING_KEYS = SETTINGS.map((s) => s.key)

function isLevel(x: string): boolean {
    if (x.length < 1 || x.length > 32) return false
    for (let i = 0; i < x.length; i++) {
        const c = x.charCodeAt(i)
        const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c === 45
        if (!ok) return false
    }
    return true
}

/** Whether `x` is a valid value for the setting. */
export function validSetting(s: SettingSpec, x: unknown): boolean {
    if (s.kind === "bool") return x === true || x === false
    if (s.kind === "int") return isInteger(x) && x >= s.min && x <= s.max
    if (s.kind === "number") return isFiniteNumber(x) && x >= s.min && x <= s.max
    if (typeof x !== "string") return false
    if (s.kind === "level") return isLevel(x)
    if (s.kind === "text") return x.length <= s.max
    for (let i = 0; i < s.choices.length; i++) if (x === s.choices[i]) return true
    return false
}

function target(settings: StallSettings, s: SettingSpec): any {
    return s.core ? settings.core : settings
}

export function defaultSettings(): StallSettings {
    const out: any = { core: {} }
    for (let i = 0; i < SETTINGS.length; i++) target(out, SETTINGS[i])[SETTINGS[i].field] = SETTINGS[i].default
    return out as StallSettings
}

/**
 * Validates raw settings (a missing key is undefined and silently takes its
 * default). Returns the settings and one line per rejected value.
 */
export function settingsFrom(raw: any): { settings: StallSettings; problems: string[] } {
    const settings = defaultSettings()
    const problems: string[] = []
    for (let i = 0; i < SETTINGS.length; i++) {
        const s = SETTINGS[i]
        const x = raw[s.key]
        if (x === undefined || x === null || x === "") continue
        if (validSetting(s, x)) target(settings, s)[s.field] = x
        else problems.push(s.key + " invalid, using default")
    }
    return { settings, problems }
}

/** The inverse of settingsFrom: the raw key/value pairs that give `settings`. */
export function settingValues(settings: StallSettings): any {
    const raw: any = {}
    for (let i = 0; i < SETTINGS.length; i++) raw[SETTINGS[i].key] = target(settings, SETTINGS[i])[SETTINGS[i].field]
    return raw
}

export function calibrationOf(s: StallSettings): Calibration {
    return {
        busVolts: { gain: s.vGain, offset: s.vOffset },
        amps: { gain: s.iGain, offset: s.iOffset },
        pilotVolts: { gain: s.cpGain, offset: s.cpOffset },
    }
}

export function stallIdentity(s: StallSettings, fw: string): StallIdentity {
    return { stallId: s.stallId, prefix: s.topicPrefix, connector: s.connector, fw }
}
