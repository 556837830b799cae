import { Output, StallAccounting } from "./accounting"
import { configFrom, StallConfig } from "./config"
import { defaultTariff, validateTariff } from "./tariff"

export type { Output, StatusOutput } from "./accounting"
export type { SessionRecord } from "./session"

export interface TraceHeader {
    tariff?: unknown
    config?: unknown
}

/**
 * Feeds `stall-trace/1` rows to the accounting, as the firmware would: a
 * reboot row goes through checkpoint() -> a fresh instance -> restore().
 */
export class Replay {
    acct: StallAccounting
    private config: StallConfig
    private out: Output[] = []

    constructor(header: TraceHeader) {
        this.config = configFrom(header.config)
        const t = validateTariff(header.tariff)
        this.acct = new StallAccounting(this.config, typeof t === "string" ? defaultTariff() : t)
    }

    row(r: unknown): void {
        if (Array.isArray(r)) {
            if (r.length === 4) this.acct.sample(r[0], r[1], r[2], r[3])
        } else if (r !== null && typeof r === "object") this.event(r as any)
        if (this.acct.hasOutput()) {
            const o = this.acct.take()
            for (let i = 0; i < o.length; i++) this.out.push(o[i])
        }
    }

    /** Outputs since the last call, oldest first. */
    take(): Output[] {
        const o = this.out
        this.out = []
        return o
    }

    private event(e: any): void {
        const kind = e.event
        if (kind === "authorize") this.acct.authorize(e.account, e.freeWh)
        else if (kind === "tariff") this.acct.setTariff(e.tariff)
        else if (kind === "reboot") {
            const cp = this.acct.checkpoint()
            const fresh = new StallAccounting(this.config)
            fresh.restore(cp)
            fresh.reboot()
            this.acct = fresh
        }
    }
}

export function replayTrace(trace: TraceHeader & { rows: unknown[] }): Output[] {
    const r = new Replay(trace)
    for (let i = 0; i < trace.rows.length; i++) r.row(trace.rows[i])
    return r.take()
}
