import * as ds from "@devicescript/core"
import {
    BUS_VOLTS_NAME,
    Calibration,
    calibrated,
    CURRENT_NAME,
    milli,
    NAME_READ_MS,
    NO_NAME,
    pickServer,
    SensorPort,
} from "../core/stall/index"

/**
 * The stall's Jacdac sensors: the DC meter (bus voltage, current) and the
 * control-pilot level, a potentiometer-class reading (an ADC ratio on a board, a
 * knob in the simulator), each mapped to volts and amps by its calibration.
 *
 * Nothing here awaits a sensor: readings come from the servers' own streams (a
 * reading older than STALE_MS counts as failed), and a measurementName is read in
 * a fiber of its own with a deadline, so a server that does not answer can stall
 * neither the sampling nor the stall.
 */
export const STALE_MS = 1500

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

/** One measurementName, read at most once at a time; NO_NAME past its deadline. */
class NameProbe {
    private value: string | null = null
    private askedAt = 0
    private inFlight = false
    private reg: ds.Register<string>

    constructor(reg: ds.Register<string>) {
        this.reg = reg
    }

    name(): string | null {
        if (this.value !== null) return this.value
        if (!this.inFlight) {
            this.inFlight = true
            this.askedAt = ds.millis()
            const self = this
            // a read the server never answers stays pending: never start a second
            setTimeout(async () => {
                let v = NO_NAME
                try {
                    v = await self.reg.read()
                } catch (e) {}
                self.value = v
                self.inFlight = false
            }, 0)
        }
        return ds.millis() - this.askedAt > NAME_READ_MS ? NO_NAME : null
    }

    forget() {
        if (!this.inFlight) this.value = null
    }
}

interface NamedRole {
    isBound: boolean
    reading: ds.Register<number>
    measurementName: ds.Register<string>
}

/** A measured quantity: its role, a spare that binds only when a second server is there. */
class Quantity {
    private streams: Stream[]
    private names: NameProbe[]
    private roles: NamedRole[]
    private chosen: Stream | null = null
    private boundAt = [false, false]
    private what: string
    private expected: string

    constructor(main: NamedRole, spare: NamedRole, what: string, expected: string) {
        this.what = what
        this.expected = expected
        this.roles = [main, spare]
        this.streams = [new Stream(main.reading), new Stream(spare.reading)]
        this.names = [new NameProbe(main.measurementName), new NameProbe(spare.measurementName)]
    }

    /** Null when chosen, "" while names are read, else why not. */
    choose(): string | null {
        this.chosen = null
        const bound = [this.roles[0].isBound, this.roles[1].isBound]
        for (let i = 0; i < 2; i++) if (!bound[i]) this.names[i].forget()
        const both = bound[0] && bound[1]
        const p = pickServer(
            {
                bound: bound[0],
                spareBound: bound[1],
                name: both ? this.names[0].name() : null,
                spareName: both ? this.names[1].name() : null,
            },
            this.what,
            this.expected
        )
        if (p.problem !== null) return p.problem
        if (p.pick < 0) return ""
        this.chosen = this.streams[p.pick]
        this.boundAt = bound
        return null
    }

    /** still chosen, and the bindings as they were when chosen */
    valid(): boolean {
        return (
            this.chosen !== null &&
            this.roles[0].isBound === this.boundAt[0] &&
            this.roles[1].isBound === this.boundAt[1]
        )
    }

    /** NaN when not chosen, stale or not a number */
    now(): number {
        return this.chosen ? this.chosen.now() : NaN
    }
}

// role names as the VS Code dashboard shows them; a bound "…2" role means a second meter
const busVolts = new Quantity(
    new ds.DcVoltageMeasurement("busVolts"),
    new ds.DcVoltageMeasurement("busVolts2"),
    "DC voltage",
    BUS_VOLTS_NAME
)
const current = new Quantity(
    new ds.DcCurrentMeasurement("current"),
    new ds.DcCurrentMeasurement("current2"),
    "DC current",
    CURRENT_NAME
)
const pilotLevel = new ds.Potentiometer("pilot")
const pilotStream = new Stream(pilotLevel.reading)

export class StallSensors implements SensorPort {
    private cal: Calibration

    constructor(cal: Calibration) {
        this.cal = cal
    }

    async identify(): Promise<string | null> {
        const v = busVolts.choose()
        const a = current.choose()
        if (v) return v
        if (a) return a
        if (!pilotLevel.isBound) return "no pilot (potentiometer) server"
        return v === null && a === null ? null : ""
    }

    identified(): boolean {
        return busVolts.valid() && current.valid() && pilotLevel.isBound
    }

    readMeter(): (number | null)[] {
        return [milli(busVolts.now(), this.cal.busVolts), milli(current.now(), this.cal.amps)]
    }

    readPilotVolts(): number {
        return calibrated(pilotStream.now(), this.cal.pilotVolts)
    }
}
