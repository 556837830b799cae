// The stall_s3 board's analog DC meter (boards/stall_s3.board.json, docs/hardware.md):
// bus voltage and current served from their ADC1 pins as raw ratios.
import * as ds from "@devicescript/core"
import "@devicescript/gpio"
import { pins } from "@dsboard/stall_s3"
import { startAdcMeter } from "./adc-meter"

try {
    pins.BUS_V.setMode(ds.GPIOMode.AnalogIn)
    pins.HALL_I.setMode(ds.GPIOMode.AnalogIn)
    startAdcMeter(
        () => pins.BUS_V.value,
        () => pins.HALL_I.value
    )
} catch (e) {
    // flashed with another board's pins, or the simulator: the stall then reports its missing meter
    console.error("ADC meter not started: " + (e as Error).message)
}
