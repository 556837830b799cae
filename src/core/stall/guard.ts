import { StallState } from "../billing/index"
import { EventKind } from "./messages"

/**
 * When the stall restarts itself. Two guards, checked by a timer in a fiber of
 * its own:
 *
 * - The watchdog. The ESP32 build has no hardware watchdog, and a register read
 *   can wait forever, which stops only the fiber that awaits it: timers in other
 *   fibers keep running. So the sampling loop reports each completion and the
 *   stall restarts when it has not completed for `watchdogMs`.
 * - The uptime guard. `ds.millis()` is the device's 64-bit uptime, but fiber wake
 *   times are its low 32 bits (runtime fibers.c): past 2^32 ms (~49.7 days) a
 *   sleeping fiber wakes only when the low bits come round again. So the
 *   stall restarts before that, when it costs nobody anything: after `softMs` of
 *   uptime while `available`, or past `hardMs` as soon as no session is open.
 *   A session is never cut.
 */
export const GUARD_CHECK_MS = 1000
/** a restart waits this long at most for the checkpoint, outbox and event to go out */
export const RESTART_FLUSH_MS = 3000

export interface GuardLimits {
    watchdogMs: number
    softMs: number
    hardMs: number
}

export interface RestartDue {
    kind: EventKind
    detail: string
    /**
     * Reboot the device, not just restart the program: the runtime's uptime (and
     * so the 32-bit wake times) only starts again from 0 when the chip resets.
     */
    reboot: boolean
}

export class RestartGuard {
    private lastDoneMs: number
    private limits: GuardLimits

    constructor(limits: GuardLimits, uptimeMs: number) {
        this.limits = limits
        this.lastDoneMs = uptimeMs
    }

    /** the sampling loop completed */
    loopDone(uptimeMs: number): void {
        this.lastDoneMs = uptimeMs
    }

    /** A restart to make now, or null. */
    check(uptimeMs: number, state: StallState, sessionOpen: boolean): RestartDue | null {
        const stuck = uptimeMs - this.lastDoneMs
        if (stuck > this.limits.watchdogMs)
            return { kind: "watchdog_restart", detail: "sampling loop stuck for " + stuck + " ms", reboot: false }
        if (sessionOpen) return null
        if (uptimeMs >= this.limits.softMs && state === "available")
            return { kind: "planned_restart", detail: "uptime " + uptimeMs + " ms, stall available", reboot: true }
        if (uptimeMs >= Math.max(this.limits.softMs, this.limits.hardMs))
            return { kind: "planned_restart", detail: "uptime " + uptimeMs + " ms, past the hard limit", reboot: true }
        return null
    }
}
