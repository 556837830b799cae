import * as ds from "@devicescript/core"
import { SensorServer, startServer } from "@devicescript/server"
import { adcMean, BUS_VOLTS_NAME, CURRENT_NAME } from "../core/stall/index"

/**
 * A board's analog DC meter as Jacdac servers on the board itself: a
 * DcVoltageMeasurement named "dc_bus" and a DcCurrentMeasurement named "dc_current",
 * each serving its ADC channel's **raw ratio** 0..1 (NaN when unusable, see
 * core/stall/adc.ts). They do not calibrate: the firmware maps every reading with
 * V_GAIN/V_OFFSET and I_GAIN/I_OFFSET (hw/sensors.ts), so a calibration here would
 * be applied twice. The stall's roles bind these servers like any meter on the bus.
 */

/** readings averaged into each served value */
export const ADC_BURST = 16
/** streaming period, ms: the stall reads its meter every SAMPLE_MS and on each pilot change */
export const ADC_STREAM_MS = 200

/** One raw reading of a channel: an analog pin's value on a board, anything in a test. */
export type AdcSource = () => unknown

class AdcChannelServer extends SensorServer {
    private source: AdcSource
    private name: string
    private burst: unknown[] = []

    constructor(spec: ds.ServiceSpec, name: string, source: AdcSource) {
        super(spec, { interval: ADC_STREAM_MS })
        this.name = name
        this.source = source
        for (let i = 0; i < ADC_BURST; i++) this.burst.push(NaN)
    }

    reading(): number {
        for (let i = 0; i < ADC_BURST; i++) this.burst[i] = this.source()
        return adcMean(this.burst)
    }

    measurementName(): string {
        return this.name
    }
}

class AdcVoltageServer extends AdcChannelServer implements ds.DcVoltageMeasurementServerSpec {
    constructor(source: AdcSource) {
        super(ds.DcVoltageMeasurement.spec, BUS_VOLTS_NAME, source)
    }

    measurementType(): ds.DcVoltageMeasurementVoltageMeasurementType {
        return ds.DcVoltageMeasurementVoltageMeasurementType.Absolute
    }
}

class AdcCurrentServer extends AdcChannelServer implements ds.DcCurrentMeasurementServerSpec {
    constructor(source: AdcSource) {
        super(ds.DcCurrentMeasurement.spec, CURRENT_NAME, source)
    }
}

/** Starts both servers (no client roles of their own: those would take them from the stall's). */
export function startAdcMeter(busVolts: AdcSource, amps: AdcSource): void {
    startServer(new AdcVoltageServer(busVolts))
    startServer(new AdcCurrentServer(amps))
}
