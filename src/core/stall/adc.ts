import { isFiniteNumber } from "../num"

/**
 * A board's analog meter channel as it is read: the ratio of the ADC's full scale,
 * 0..1 (DeviceScript's analog pin value; on the ESP32-S3 the 12-bit code / 4096,
 * uncalibrated). The board's front ends put every valid physical value inside
 * 10..90 % of the range (a live zero, docs/hardware.md), so a reading this close to
 * a rail is a broken wire, a dead sensor supply or an over-range, never a value.
 */
export const ADC_RAIL = 0.01

/** The ratio when it is a usable reading, else NaN. */
export function adcRatio(raw: unknown): number {
    return isFiniteNumber(raw) && raw > ADC_RAIL && raw < 1 - ADC_RAIL ? raw : NaN
}

/**
 * The mean of one burst of readings (averaging N of them divides random noise by
 * √N); NaN when the burst is empty or any reading in it is unusable: one rail
 * reading among samples microseconds apart means a bad channel, not noise.
 */
export function adcMean(samples: unknown[]): number {
    if (samples.length === 0) return NaN
    let sum = 0
    for (let i = 0; i < samples.length; i++) {
        const r = adcRatio(samples[i])
        if (!isFiniteNumber(r)) return NaN
        sum += r
    }
    return sum / samples.length
}
