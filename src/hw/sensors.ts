import * as ds from "@devicescript/core"

/**
 * The stall's Jacdac sensors: the DC bus voltage and current (the power meter)
 * and the control-pilot voltage. DeviceScript binds roles without looking at
 * names, so the two voltage roles are told apart by their `measurementName`
 * after binding; if that does not settle it, the stall must not trust them.
 */
export const DC_BUS_NAME = "dc_bus"
export const PILOT_NAME = "control_pilot"

const voltA = new ds.DcVoltageMeasurement()
const voltB = new ds.DcVoltageMeasurement()
const current = new ds.DcCurrentMeasurement()

export class StallSensors {
    private bus: ds.DcVoltageMeasurement | null = null
    private pilot: ds.DcVoltageMeasurement | null = null

    /** Null when the meter and pilot are identified, else why not. */
    async identify(): Promise<string | null> {
        this.bus = null
        this.pilot = null
        if (!voltA.isBound || !voltB.isBound || !current.isBound) return "sensors not bound"
        const a = await readName(voltA)
        const b = await readName(voltB)
        if (a === DC_BUS_NAME && b === PILOT_NAME) {
            this.bus = voltA
            this.pilot = voltB
        } else if (a === PILOT_NAME && b === DC_BUS_NAME) {
            this.bus = voltB
            this.pilot = voltA
        } else return "voltage sensors named " + a + " and " + b + ", expected " + DC_BUS_NAME + " and " + PILOT_NAME
        return null
    }

    identified(): boolean {
        return this.bus !== null && voltA.isBound && voltB.isBound && current.isBound
    }

    /** Integer millivolts and milliamps (the meter's resolution); null when a read fails. */
    async readMeter(): Promise<number[] | null[]> {
        const v = await readValue(this.bus)
        const a = current.isBound ? await readValue(current) : NaN
        return [isNaN(v) ? null : Math.round(v * 1000), isNaN(a) ? null : Math.round(a * 1000)]
    }

    /** The CP line's plateau voltage, NaN when unreadable (maps to F). */
    async readPilotVolts(): Promise<number> {
        return await readValue(this.pilot)
    }
}

async function readName(r: ds.DcVoltageMeasurement): Promise<string> {
    try {
        return await r.measurementName.read()
    } catch (e) {
        return "?"
    }
}

async function readValue(r: ds.DcVoltageMeasurement | ds.DcCurrentMeasurement | null): Promise<number> {
    if (!r || !r.isBound) return NaN
    try {
        const x = await r.reading.read()
        return typeof x === "number" ? x : NaN
    } catch (e) {
        return NaN
    }
}
