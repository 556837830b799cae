import { StallController } from "./controller"
import { PilotDebouncer } from "./pilot-line"

/** The stall's sensors as the sampler needs them (src/hw/sensors.ts on a stall). */
export interface SensorPort {
    /** the meter and pilot are bound and told apart */
    identified(): boolean
    /** tries to tell them apart: null when done, "" while it takes a moment, else why not */
    identify(): Promise<string | null>
    /** [mV, mA], null for a failed or stale read */
    readMeter(): (number | null)[]
    /** the CP line's plateau voltage, NaN when unreadable */
    readPilotVolts(): number
}

/** how often the pilot is read (the meter is read every SAMPLE_MS) */
export const PILOT_READ_MS = 100
/** sensors get this long to bind at boot before their absence is a fault */
export const BIND_GRACE_MS = 5000

/**
 * When and what to sample: the pilot is read often and debounced, the meter on
 * its period and on every pilot change. Until the sensors are told apart the
 * stall samples nothing; past the bind grace that is a fault (pilot F, meter
 * invalid), shown in the status, never silently wrong.
 */
export class Sampler {
    private pilot = new PilotDebouncer()
    private ctl: StallController
    private sensors: SensorPort
    private now: () => number
    private uptimeMs: () => number

    /** `now`: time on the accounts' timeline; `uptimeMs`: time since boot. */
    constructor(ctl: StallController, sensors: SensorPort, now: () => number, uptimeMs: () => number) {
        this.ctl = ctl
        this.sensors = sensors
        this.now = now
        this.uptimeMs = uptimeMs
    }

    /** One pilot read; true when the debounced state changed (then sample now). */
    readPilot(): boolean {
        if (!this.sensors.identified()) return false
        const before = this.pilot.state
        return this.pilot.read(this.sensors.readPilotVolts()) !== before
    }

    /** One sample into the controller, when the sensors and the pilot allow it. */
    async sample(): Promise<void> {
        if (!this.sensors.identified()) {
            const why = await this.sensors.identify()
            if (why !== null) {
                if (why !== "" && this.uptimeMs() >= BIND_GRACE_MS) {
                    this.ctl.setRolesFault(true, why, this.now())
                    this.ctl.sample(this.now(), "F", null, null)
                }
                return
            }
            this.ctl.setRolesFault(false, "", this.now())
        }
        // the pilot is unknown until debounced: an initial A is not an unplug
        if (!this.pilot.settled) return
        const m = this.sensors.readMeter()
        this.ctl.sample(this.now(), this.pilot.state, m[0], m[1])
    }
}
