import { Output, StallAccounting } from "../billing/accounting"
import { configFrom, StallConfig } from "../billing/config"
import { defaultTariff, validateTariff } from "../billing/tariff"
import { rebooted } from "../stall/boot"

export type { Output, StatusOutput } from "../billing/accounting"
export type { SessionRecord } from "../billing/session"

export interface TraceHeader {
    tariff?: unknown
    config?: unknown
}

/**
 * Feeds `stall-trace/1` rows to the accounting, as the firmware would: a
 * reboot row goes through the firmware's own resume (stall/boot.ts).
 */
export class Replay {
    acct: StallAccounting
    /** why the header's tariff was not used (then the default applies), else null */
    readonly tariffError: string | null
    private config: StallConfig
    private out: Output[] = []

    constructor(header: TraceHeader) {
        this.config = configFrom(header.config)
        const t = validateTariff(header.tariff)
        this.tariffError = t.error
        this.acct = new StallAccounting(this.config, t.error === null ? t.value : defaultTariff())
    }

    /** One row; null when applied, else why it was rejected (it then changed nothing). */
    row(r: unknown): string | null {
        let why: string | null = null
        if (Array.isArray(r)) {
            why = r.length === 4 ? this.acct.sample(r[0], r[1], r[2], r[3]) : "a sample row has 4 items"
        } else if (r !== null && typeof r === "object") why = this.event(r as any)
        else why = "a row is a sample array or an event object"
        return this.collect(why)
    }

    /** row([t, pilot, volts, amps]) without the array, for streaming; null volts/amps are an invalid read. */
    sample(t: number, pilot: string, volts: number | null, amps: number | null): string | null {
        return this.collect(this.acct.sample(t, pilot, volts as number, amps as number))
    }

    /** Outputs since the last call, oldest first. */
    take(): Output[] {
        const o = this.out
        this.out = []
        return o
    }

    /** Moves the accounting's outputs to ours; passes `why` through. */
    private collect(why: string | null): string | null {
        if (this.acct.hasOutput()) {
            const o = this.acct.take()
            for (let i = 0; i < o.length; i++) this.out.push(o[i])
        }
        return why
    }

    private event(e: any): string | null {
        const kind = e.event
        if (kind === "authorize") return this.acct.authorize(e.account, e.freeWh)
        if (kind === "tariff") return this.acct.setTariff(e.tariff)
        if (kind === "sharing") return this.acct.setSharing(e.on)
        if (kind === "occupancy") return this.acct.setOccupancy(e.percent)
        if (kind === "reboot") {
            this.acct = rebooted(this.acct, this.config)
            return null
        }
        return "unknown event"
    }
}

export function replayTrace(trace: TraceHeader & { rows: unknown[] }): Output[] {
    const r = new Replay(trace)
    for (let i = 0; i < trace.rows.length; i++) r.row(trace.rows[i])
    return r.take()
}
