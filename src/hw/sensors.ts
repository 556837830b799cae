import * as ds from "@devicescript/core"
import { SensorPort } from "../core/stall/index"

/**
 * The stall's Jacdac sensors: the DC bus voltage and current (the power meter)
 * and the control-pilot voltage. DeviceScript binds roles without looking at
 * names, so the two voltage roles are told apart by their `measurementName`
 * after binding; if that does not settle it, the stall must not trust them.
 *
 * Readings are taken from the sensors' own stream, never awaited: a sensor that
 * stops answering makes `reading.read()` wait forever, which would stall the
 * sampling. A reading older than STALE_MS counts as a failed read.
 */
export const DC_BUS_NAME = "dc_bus"
export const PILOT_NAME = "control_pilot"
export const STALE_MS = 1500

const voltA = new ds.DcVoltageMeasurement()
const voltB = new ds.DcVoltageMeasurement()
const current = new ds.DcCurrentMeasurement()

/** The latest streamed value of one role, and when it came. */
class Stream {
    value = NaN
    at = -STALE_MS

    constructor(reading: ds.Register<number>) {
        const self = this
        reading.subscribe(async (v) => {
            self.value = typeof v === "number" ? v : NaN
            self.at = ds.millis()
        })
    }

    /** NaN when stale or not a number */
    now(): number {
        return ds.millis() - this.at <= STALE_MS ? this.value : NaN
    }
}

const streamA = new Stream(voltA.reading)
const streamB = new Stream(voltB.reading)
const streamI = new Stream(current.reading)

export class StallSensors implements SensorPort {
    private bus: Stream | null = null
    private pilot: Stream | null = null

    /** Null when the meter and pilot are identified, else why not. */
    async identify(): Promise<string | null> {
        this.bus = null
        this.pilot = null
        if (!voltA.isBound || !voltB.isBound || !current.isBound) return "sensors not bound"
        const a = await readName(voltA)
        const b = await readName(voltB)
        if (a === DC_BUS_NAME && b === PILOT_NAME) {
            this.bus = streamA
            this.pilot = streamB
        } else if (a === PILOT_NAME && b === DC_BUS_NAME) {
            this.bus = streamB
            this.pilot = streamA
        } else return "voltage sensors named " + a + " and " + b + ", expected " + DC_BUS_NAME + " and " + PILOT_NAME
        return null
    }

    identified(): boolean {
        return this.bus !== null && voltA.isBound && voltB.isBound && current.isBound
    }

    /** [mV, mA] as integers (the meter's resolution); null for a failed or stale read. */
    readMeter(): (number | null)[] {
        const v = this.bus ? this.bus.now() : NaN
        const a = streamI.now()
        return [isNaN(v) ? null : Math.round(v * 1000), isNaN(a) ? null : Math.round(a * 1000)]
    }

    /** The CP line's plateau voltage, NaN when unreadable (maps to F). */
    readPilotVolts(): number {
        return this.pilot ? this.pilot.now() : NaN
    }
}

/** measurementName is a constant register: one read, with a way out if it never answers. */
async function readName(r: ds.DcVoltageMeasurement): Promise<string> {
    try {
        return await r.measurementName.read()
    } catch (e) {
        return "?"
    }
}
