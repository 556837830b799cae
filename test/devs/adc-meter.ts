// The board's ADC meter servers (src/hw/adc-meter.ts) read by the stall's own sensor
// roles (src/hw/sensors.ts) in the VM (test mode): raw ratios in, the firmware's
// calibration applied once, unusable readings out as failed reads. The pins are
// replaced by variables (the WASM VM has no ADC); the pilot by a test server.
import * as ds from "@devicescript/core"
import { SensorServer, startServer } from "@devicescript/server"
import { describe, expect, test } from "@devicescript/test"
import { Calibration, calibrated, milli } from "../../src/core/stall/index"
import { startAdcMeter } from "../../src/hw/adc-meter"
import { StallSensors } from "../../src/hw/sensors"

/** the nominal calibration of boards/stall_s3.env */
const CAL: Calibration = {
    busVolts: { gain: 1250, offset: -125 },
    amps: { gain: 1500, offset: -750 },
    pilotVolts: { gain: 30, offset: -15 },
}
/** exact in the potentiometer's u0.16 reading: 5.625 V, state C */
const PILOT_RAW = 0.6875

let bus: () => unknown = () => 0.42
let amps: () => unknown = () => 0.55
startAdcMeter(
    () => bus(),
    () => amps()
)

class PilotServer extends SensorServer {
    constructor() {
        super(ds.Potentiometer.spec)
    }
    reading(): number {
        return PILOT_RAW
    }
}
startServer(new PilotServer())

const sensors = new StallSensors(CAL)

/** a new streamed value after a change: test mode streams about 3 a second, not 5 */
async function settle() {
    await ds.delay(1000)
}

describe("ADC meter servers read by the stall's sensors", () => {
    test("bind, and raw ratios map through the firmware's calibration once", async () => {
        let why: string | null = "not asked"
        for (let i = 0; i < 100 && why !== null; i++) {
            why = await sensors.identify()
            if (why !== null) await ds.delay(100)
        }
        expect(why).toBe(null)
        await settle()
        const m = sensors.readMeter()
        expect(m[0]).toBe(milli(0.42, CAL.busVolts))
        expect(m[0]).toBe(400000)
        expect(m[1]).toBe(milli(0.55, CAL.amps))
        expect(m[1]).toBe(75000)
        expect(sensors.readPilotVolts()).toBe(calibrated(PILOT_RAW, CAL.pilotVolts))
        expect(sensors.readPilotVolts()).toBe(5.625)
    })

    test("each served value is the mean of a burst", async () => {
        let n = 0
        bus = () => (n++ % 2 === 0 ? 0.375 : 0.625)
        await settle()
        expect(sensors.readMeter()[0]).toBe(500000)
    })

    test("one reading at a rail in a burst, or a reading that is no number, is a failed read", async () => {
        let n = 0
        bus = () => (n++ % 16 === 5 ? 0 : 0.5)
        amps = () => undefined
        await settle()
        const m = sensors.readMeter()
        expect(m[0]).toBe(null)
        expect(m[1]).toBe(null)
        bus = () => 0.995
        amps = () => 0.5
        await settle()
        expect(sensors.readMeter()[0]).toBe(null)
        expect(sensors.readMeter()[1]).toBe(0)
    })
})
