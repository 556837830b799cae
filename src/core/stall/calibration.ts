import { isFiniteNumber } from "../num"

/**
 * Raw sensor readings to physical units, per channel: value = raw × gain + offset.
 * The stall's sensors need not report volts and amps: the VS Code simulator's
 * sliders run 0–7 V and 0–1 A, a board's ADC reads 0–1. Calibrated values are what
 * the stall samples, taps and bills (as integer mV and mA).
 */
export interface ChannelCalibration {
    gain: number
    offset: number
}

export interface Calibration {
    /** DC bus voltage, V per raw unit and V */
    busVolts: ChannelCalibration
    /** DC current, A per raw unit and A */
    amps: ChannelCalibration
    /** control-pilot plateau voltage, V per raw unit and V */
    pilotVolts: ChannelCalibration
}

/** NaN for a raw reading that is not a finite number. */
export function calibrated(raw: number, c: ChannelCalibration): number {
    return isFiniteNumber(raw) ? raw * c.gain + c.offset : NaN
}

/** The inverse: the raw reading a sensor must give for `value` (simulators serve this). */
export function rawFor(value: number, c: ChannelCalibration): number {
    return (value - c.offset) / c.gain
}

/** Integer milli-units (mV, mA) of a calibrated raw reading; null when unreadable. */
export function milli(raw: number, c: ChannelCalibration): number | null {
    const v = calibrated(raw, c)
    return isFiniteNumber(v) ? Math.round(v * 1000) : null
}
