import { isFiniteNumber } from "../num"
import { pilotCode, pilotName, PilotState } from "../billing/pilot"

/** The control-pilot line as the stall reads it: plateau volts to a debounced state. */
/** Nominal positive plateau per state, volts: A +12, B +9, C +6, D +3, E 0, F -12. */
const NOMINAL_V = [12, 9, 6, 3, 0, -12]
export const PILOT_WINDOW_V = 1

/** What a vehicle in `state` puts on the CP line (simulators serve this). */
export function pilotNominalVolts(state: PilotState): number {
    return NOMINAL_V[pilotCode(state)]
}

/** CP plateau voltage to state: within ±1 V of a nominal level, else F (fault). */
export function pilotFromVolts(volts: number): PilotState {
    if (!isFiniteNumber(volts)) return "F"
    for (let i = 0; i < NOMINAL_V.length; i++) if (Math.abs(volts - NOMINAL_V[i]) <= PILOT_WINDOW_V) return pilotName(i)
    return "F"
}

export const PILOT_DEBOUNCE_READS = 3

/**
 * A new state is reported only once it has been read this many times in a row,
 * so contact bounce at plug-in never opens and closes sessions. Until some state
 * has been read that often (`settled`), the pilot is unknown: a controller that
 * just booted must not take its initial A for an unplug.
 */
export class PilotDebouncer {
    state: PilotState = "A"
    settled = false
    private candidate: PilotState = "A"
    private count = 0

    read(volts: number): PilotState {
        const s = pilotFromVolts(volts)
        if (s === this.candidate) this.count++
        else {
            this.candidate = s
            this.count = 1
        }
        if (this.count >= PILOT_DEBOUNCE_READS) {
            this.state = s
            this.settled = true
        }
        return this.state
    }
}
