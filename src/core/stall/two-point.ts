import { isFiniteNumber } from "../num"
import { fail, ok, Result } from "../result"
import { Calibration, ChannelCalibration } from "./calibration"
import { SETTINGS, SettingSpec, validSetting } from "./settings"

/**
 * Two-point calibration of one channel (docs/hardware.md, "Calibration"): two known
 * references applied in turn, the raw reading each gave, and the gain and offset
 * that map them exactly. Between and beyond the two points the channel is taken as
 * linear; a third reference checks that.
 */

/** One reference: the channel's raw reading and the true value (V or A) applied. */
export interface CalibrationPoint {
    raw: number
    value: number
}

/** The settings a channel's calibration is written to: [gain key, offset key]. */
export function calibrationKeys(channel: keyof Calibration): string[] {
    if (channel === "busVolts") return ["V_GAIN", "V_OFFSET"]
    if (channel === "amps") return ["I_GAIN", "I_OFFSET"]
    return ["CP_GAIN", "CP_OFFSET"]
}

function specOf(key: string): SettingSpec {
    return SETTINGS.filter((s) => s.key === key)[0]
}

function outOfRange(key: string, x: number): string | null {
    const s = specOf(key)
    return validSetting(s, x) ? null : key + " would be " + x + ", outside " + s.min + " to " + s.max
}

/**
 * The gain and offset through both points, or why there are none: a point that is
 * not two finite numbers, two equal raw readings, or a result outside the
 * settings' ranges (a negative gain, for one, is a swapped or inverted wire).
 */
export function twoPointCalibration(
    channel: keyof Calibration,
    a: CalibrationPoint,
    b: CalibrationPoint
): Result<ChannelCalibration> {
    for (const p of [a, b])
        if (!isFiniteNumber(p.raw) || !isFiniteNumber(p.value))
            return fail("each point needs a finite raw reading and a finite value")
    if (a.raw === b.raw) return fail("both references gave the same raw reading: use two distinct references")
    const gain = (b.value - a.value) / (b.raw - a.raw)
    const offset = a.value - gain * a.raw
    const keys = calibrationKeys(channel)
    const why = outOfRange(keys[0], gain) ?? outOfRange(keys[1], offset)
    return why === null ? ok({ gain, offset }) : fail(why)
}

/** The settings lines for .env.local that apply `c` to `channel`. */
export function calibrationLines(channel: keyof Calibration, c: ChannelCalibration): string[] {
    const keys = calibrationKeys(channel)
    return [keys[0] + "=" + c.gain, keys[1] + "=" + c.offset]
}
