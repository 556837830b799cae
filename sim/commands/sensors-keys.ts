// The interactive mode of `sim sensors`: one key, one change of what the stall's
// sensors read, in stall units. Pure, so every key sequence can be tested; the
// command serves the state and prints statusLine() after each key.
import { tierIndex, type PilotState, type Tariff } from "../../src/core/billing/index"

export type MeterMode = "ok" | "silent" | "nan"

/** What the sensors serve, and the power "c" charges at. */
export interface StallInputs {
    pilot: PilotState
    /** DC bus voltage, V */
    volts: number
    /** DC current, A */
    amps: number
    /** the power charging draws, kW: changed by + - and the digits, served while the pilot is C or D */
    powerKw: number
    meter: MeterMode
}

export interface KeyLimits {
    /** the bus voltage while a car is plugged in, V */
    busVolts: number
    /** the most the current sensor can serve (the raw reading's full scale), A */
    maxAmps: number
}

export type KeyOutcome =
    | { kind: "changed"; inputs: StallInputs }
    | { kind: "quit" }
    | { kind: "help" }
    | { kind: "unknown" }
    /** whitespace: a newline after each key in a pipe, or Enter on a terminal */
    | { kind: "ignored" }

export const KW_STEP = 10

/** One line per key, for --help and the `h` key. */
export const KEYS_HELP = [
    "a      unplug: pilot A, 0 V, 0 A",
    "b      plug in, or finish charging: pilot B, the bus voltage, 0 A",
    "c  d   charge at the set power: pilot C (or D), current = power / voltage",
    `+  -   set power ${KW_STEP} kW up or down (= works as +)`,
    `0-9    set power to that digit x ${KW_STEP} kW (5: ${5 * KW_STEP} kW, 7: ${7 * KW_STEP} kW)`,
    "e  f   pilot fault E or F (0 A)",
    "s      meter silent (no answers) on/off",
    "n      meter reads NaN on/off",
    "h  ?   these keys",
    "q      quit (also Ctrl-C, or the end of the input)",
]

/** Unplugged, 50 kW set (within the sensor's full scale). */
export function initialInputs(limits: KeyLimits): StallInputs {
    return { pilot: "A", volts: 0, amps: 0, powerKw: Math.min(50, maxKw(limits)), meter: "ok" }
}

/** The power the current sensor's full scale allows at the bus voltage, kW. */
export function maxKw(limits: KeyLimits): number {
    return (limits.busVolts * Math.max(0, limits.maxAmps)) / 1000
}

const charging = (p: PilotState) => p === "C" || p === "D"

function withPower(s: StallInputs, kw: number, limits: KeyLimits): StallInputs {
    const powerKw = Math.min(Math.max(0, kw), maxKw(limits))
    return { ...s, powerKw, amps: charging(s.pilot) ? (powerKw * 1000) / s.volts : s.amps }
}

function withPilot(s: StallInputs, pilot: PilotState, limits: KeyLimits): StallInputs {
    if (pilot === "A") return { ...s, pilot, volts: 0, amps: 0 }
    if (pilot === "E" || pilot === "F") return { ...s, pilot, amps: 0 }
    const next = { ...s, pilot, volts: limits.busVolts, amps: 0 }
    return charging(pilot) ? withPower(next, s.powerKw, limits) : next
}

const toggle = (s: StallInputs, m: MeterMode): StallInputs => ({ ...s, meter: s.meter === m ? "ok" : m })

export function pressKey(s: StallInputs, key: string, limits: KeyLimits): KeyOutcome {
    const changed = (inputs: StallInputs): KeyOutcome => ({ kind: "changed", inputs })
    if (/^\s$/.test(key)) return { kind: "ignored" }
    if (/^[0-9]$/.test(key)) return changed(withPower(s, Number(key) * KW_STEP, limits))
    switch (key) {
        case "a":
        case "b":
        case "c":
        case "d":
        case "e":
        case "f":
            return changed(withPilot(s, key.toUpperCase() as PilotState, limits))
        case "+":
        case "=": // the + key without shift
            return changed(withPower(s, s.powerKw + KW_STEP, limits))
        case "-":
            return changed(withPower(s, s.powerKw - KW_STEP, limits))
        case "s":
            return changed(toggle(s, "silent"))
        case "n":
            return changed(toggle(s, "nan"))
        case "h":
        case "?":
            return { kind: "help" }
        case "q":
        case "\x03": // Ctrl-C in raw mode
        case "\x04": // Ctrl-D in raw mode
            return { kind: "quit" }
    }
    return { kind: "unknown" }
}

const kw = (x: number) => `${Number(x.toFixed(1))} kW`

/** Which tier a per-minute tariff bills `powerKw` in, e.g. "tier 1 of 2 (≤ 60 kW)"; null for per-kWh tariffs. */
export function tierHint(powerKw: number, tariff: Tariff): string | null {
    const th = tariff.tierThresholdsKw
    if (tariff.mode !== "per_minute" || th.length === 0) return null
    const i = tierIndex(th, powerKw * 1000, 3_600_000) // an hour at this power
    const range = i === 0 ? `≤ ${kw(th[0])}` : i === th.length ? `> ${kw(th[i - 1])}` : `${th[i - 1]}–${kw(th[i])}`
    return `tier ${i + 1} of ${th.length + 1} (${range})`
}

/** One line: what the sensors serve, the tier of the power, the meter's failure if any. */
export function statusLine(s: StallInputs, tariff: Tariff): string {
    const servedKw = (s.volts * s.amps) / 1000
    const parts = [`pilot ${s.pilot}`, `${s.volts} V`, `${s.amps.toFixed(1)} A`, kw(servedKw)]
    const tier = tierHint(charging(s.pilot) ? servedKw : s.powerKw, tariff)
    if (charging(s.pilot)) parts.push(tier ?? "charging")
    else parts.push(`c charges at ${kw(s.powerKw)}${tier ? ": " + tier : ""}`)
    if (s.meter === "silent") parts.push("meter silent")
    if (s.meter === "nan") parts.push("meter reads NaN")
    return parts.join(" · ")
}
