// The stall's simulated hardware on the devtools bus: one Jacdac device with the
// DC meter (bus voltage "dc_bus", current) and the control-pilot voltage
// ("control_pilot"). Every VM on the bus binds these same servers, so only one
// stall at a time can have real sensors.
import {
    DcCurrentMeasurementReg,
    DcVoltageMeasurementReg,
    JDServerServiceProvider,
    SRV_DC_CURRENT_MEASUREMENT,
    SRV_DC_VOLTAGE_MEASUREMENT,
    SensorReg,
    SensorServer,
    type JDBus,
    type Packet,
} from "./jacdac"
import { connectBus } from "./bus"
import type { PilotState } from "../../src/core/billing/index"
import { pilotNominalVolts } from "../../src/core/stall/index"

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

export interface SensorsOptions {
    /** pilot server before the bus-voltage server: the roles then bind the other way round */
    swapOrder?: boolean
    /** both voltage servers named "dc_bus", so the firmware cannot tell them apart */
    ambiguousNames?: boolean
    /** 16 hex digits */
    deviceId?: string
    /** initial values; default 0 V, 0 A, pilot A */
    initial?: SensorValues
}

/** A sensor that can go silent (no reply, no streaming) or read NaN. */
class Channel extends SensorServer<[number]> {
    private silent = false
    private broken = false

    constructor(
        serviceClass: number,
        nameReg: number,
        name: string,
        private value: number
    ) {
        super(serviceClass, { readingValues: [value], streamingInterval: 100 })
        this.addRegister<[string]>(nameReg, [name])
    }

    override async handlePacket(pkt: Packet) {
        if (!this.silent) await super.handlePacket(pkt)
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

export class Sensors {
    private constructor(
        private readonly bus: JDBus,
        private readonly dcBus: Channel,
        private readonly pilot: Channel,
        private readonly current: Channel
    ) {}

    static async start(options: SensorsOptions = {}): Promise<Sensors> {
        const init = options.initial ?? {}
        const volt = (name: string, v: number) =>
            new Channel(SRV_DC_VOLTAGE_MEASUREMENT, DcVoltageMeasurementReg.MeasurementName, name, v)
        const dcBus = volt("dc_bus", init.volts ?? 0)
        const pilot = volt(options.ambiguousNames ? "dc_bus" : "control_pilot", pilotVolts(init))
        const current = new Channel(
            SRV_DC_CURRENT_MEASUREMENT,
            DcCurrentMeasurementReg.MeasurementName,
            "dc_current",
            init.amps ?? 0
        )
        const bus = await connectBus()
        const servers = options.swapOrder ? [pilot, dcBus, current] : [dcBus, pilot, current]
        bus.addServiceProvider(
            new JDServerServiceProvider("stall-sensors", servers, { deviceId: options.deviceId ?? "5e7503a15e7503a1" })
        )
        return new Sensors(bus, dcBus, pilot, current)
    }

    /** Changes only the values given. */
    set(values: SensorValues): void {
        if (values.volts !== undefined) this.dcBus.setValue(values.volts)
        if (values.amps !== undefined) this.current.setValue(values.amps)
        if (values.pilot !== undefined || values.pilotVolts !== undefined) this.pilot.setValue(pilotVolts(values))
    }

    /**
     * Meter (bus voltage and current) failure; the pilot stays. "silent": the
     * servers stop answering, and a DeviceScript `reading.read()` then waits until
     * they answer again (no error, no unbinding). "nan": reads return NaN at once.
     */
    fail(failed: boolean, how: MeterFailure = "silent"): void {
        for (const ch of [this.dcBus, this.current]) {
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
