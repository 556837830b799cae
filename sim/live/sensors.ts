// The stall's simulated hardware on the devtools bus, laid out as the VS Code
// simulator's dashboard lays it out: a "DC current/voltage measurement" device
// (current "amp" 0–1 A, voltage "volt" 0–7 V) and a potentiometer for the pilot.
// Values are set in stall units (V, A, pilot state) and served as the raw readings
// the stall's calibration maps back. Every VM on the bus binds these same servers,
// so only one stall at a time can have real sensors.
import {
    AnalogSensorServer,
    DcCurrentMeasurementReg,
    DcVoltageMeasurementReg,
    JDServerServiceProvider,
    SRV_DC_CURRENT_MEASUREMENT,
    SRV_DC_VOLTAGE_MEASUREMENT,
    SRV_POTENTIOMETER,
    SensorReg,
    type JDBus,
    type Packet,
} from "./jacdac"
import { connectBus } from "./bus"
import type { PilotState } from "../../src/core/billing/index"
import { calibrationOf, defaultSettings, pilotNominalVolts, rawFor, type Calibration } from "../../src/core/stall/index"
import { DEVTOOLS_TCP_PORT } from "./devtools"

export type { PilotState }

export type MeterFailure = "silent" | "nan"

export interface SensorValues {
    /** DC bus voltage, V */
    volts?: number
    /** DC current, A */
    amps?: number
    pilot?: PilotState
    /** the CP voltage itself, e.g. off-plateau; wins over `pilot` */
    pilotVolts?: number
}

/** measurementNames of a meter's voltage and current servers; null: they lack the register and never answer it */
export type MeterNames = [string, string] | null

export interface SensorsOptions {
    /** how the stall maps raw readings (its settings); default the settings' defaults */
    calibration?: Calibration
    /** the meter's names; default the dashboard's "volt" and "amp" */
    names?: MeterNames
    /** a second meter on the bus with these names, reading 0: a bus the stall must not guess on */
    secondMeter?: MeterNames
    /** the meter's device id, 16 hex digits */
    deviceId?: string
    /** initial values; default 0 V, 0 A, pilot A */
    initial?: SensorValues
    /** the devtools hub's TCP port (default 8082) */
    port?: number
}

/** A sensor that can go silent (no reply, no streaming) or read NaN. */
class Channel extends AnalogSensorServer {
    private silent = false
    private broken = false
    private value: number

    private readonly unnamed: boolean

    /**
     * `name` undefined: no name register. `name` null: no answer to a get of it either,
     * like a module without the register (a jacdac-ts server answers any get, empty).
     */
    constructor(
        serviceClass: number,
        value: number,
        min: number,
        max: number,
        private readonly nameReg?: number,
        name?: string | null
    ) {
        super(serviceClass, {
            readingValues: [value],
            minReading: min,
            maxReading: max,
            readingResolution: 0.001,
            streamingInterval: 100,
            registerValues: nameReg !== undefined && name != null ? [{ code: nameReg, values: [name] }] : [],
        })
        this.value = value
        this.unnamed = nameReg !== undefined && name === null
    }

    override async handlePacket(pkt: Packet) {
        if (this.silent) return
        if (this.unnamed && pkt.isRegisterGet && pkt.registerIdentifier === this.nameReg) return
        await super.handlePacket(pkt)
    }

    setValue(value: number) {
        this.value = value
        this.reading.setValues([this.broken ? NaN : value])
    }

    setBroken(broken: boolean) {
        this.broken = broken
        this.setValue(this.value)
    }

    setSilent(silent: boolean) {
        this.silent = silent
        // the reading streams while samples remain; the client's refills are dropped now
        if (silent) this.register<[number]>(SensorReg.StreamingSamples).setValues([0])
    }
}

/** The raw ranges of the dashboard's sliders (jacdac-ts' providers), which these servers copy. */
export const RAW_RANGE = { volts: [0, 7], amps: [0, 1], pilot: [0, 1] }

/** The dashboard's DC device: current server first, then voltage, as jacdac-ts defines it. */
function meter(names: MeterNames, volts: number, amps: number): [Channel, Channel] {
    return [
        new Channel(
            SRV_DC_CURRENT_MEASUREMENT,
            amps,
            RAW_RANGE.amps[0],
            RAW_RANGE.amps[1],
            DcCurrentMeasurementReg.MeasurementName,
            names && names[1]
        ),
        new Channel(
            SRV_DC_VOLTAGE_MEASUREMENT,
            volts,
            RAW_RANGE.volts[0],
            RAW_RANGE.volts[1],
            DcVoltageMeasurementReg.MeasurementName,
            names && names[0]
        ),
    ]
}

export class Sensors {
    private constructor(
        private readonly bus: JDBus,
        private readonly cal: Calibration,
        private readonly current: Channel,
        private readonly volts: Channel,
        private readonly pilot: Channel
    ) {}

    static async start(options: SensorsOptions = {}): Promise<Sensors> {
        const cal = options.calibration ?? calibrationOf(defaultSettings())
        const init = options.initial ?? {}
        const [current, volts] = meter(
            options.names === undefined ? ["volt", "amp"] : options.names,
            rawFor(init.volts ?? 0, cal.busVolts),
            rawFor(init.amps ?? 0, cal.amps)
        )
        const pilot = new Channel(
            SRV_POTENTIOMETER,
            rawFor(pilotVolts(init), cal.pilotVolts),
            RAW_RANGE.pilot[0],
            RAW_RANGE.pilot[1]
        )
        const bus = await connectBus(options.port ?? DEVTOOLS_TCP_PORT)
        const id = options.deviceId ?? "5e7503a15e7503a1"
        bus.addServiceProvider(new JDServerServiceProvider("stall-meter", [current, volts], { deviceId: id }))
        bus.addServiceProvider(new JDServerServiceProvider("stall-pilot", [pilot], { deviceId: siblingId(id, 1) }))
        if (options.secondMeter !== undefined)
            bus.addServiceProvider(
                new JDServerServiceProvider("second-meter", meter(options.secondMeter, 0, 0), {
                    deviceId: siblingId(id, 2),
                })
            )
        return new Sensors(bus, cal, current, volts, pilot)
    }

    /** Changes only the values given. */
    set(values: SensorValues): void {
        if (values.volts !== undefined) this.volts.setValue(rawFor(values.volts, this.cal.busVolts))
        if (values.amps !== undefined) this.current.setValue(rawFor(values.amps, this.cal.amps))
        if (values.pilot !== undefined || values.pilotVolts !== undefined)
            this.pilot.setValue(rawFor(pilotVolts(values), this.cal.pilotVolts))
    }

    /**
     * Meter (bus voltage and current) failure; the pilot stays. "silent": the
     * servers stop answering and streaming. "nan": reads return NaN at once.
     */
    fail(failed: boolean, how: MeterFailure = "silent"): void {
        for (const ch of [this.volts, this.current]) {
            ch.setSilent(failed && how === "silent")
            ch.setBroken(failed && how === "nan")
        }
    }

    async close(): Promise<void> {
        await this.bus.dispose()
    }
}

function pilotVolts(v: SensorValues): number {
    return v.pilotVolts ?? pilotNominalVolts(v.pilot ?? "A")
}

/** another device id from the same base: its last hex digit changed */
function siblingId(id: string, n: number): string {
    return id.slice(0, 15) + ((parseInt(id[15], 16) + n) % 16).toString(16)
}
