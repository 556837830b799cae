// Site availability from the stalls' retained status, pure: which stalls exist, which
// are online and free, and free/total per connector type — what a car's navigation or
// a brand app asks ("find a free stall from the car").

export interface StallView {
    stallId: string
    state: string
    connector: string | null
    /** site-clock time the state began, null when the stall did not know the clock */
    since: number | null
    online: boolean
    /** unacknowledged records the stall reported holding */
    outbox: number | null
}

export interface ConnectorCount {
    connector: string
    free: number
    total: number
}

/** The states in which a vehicle is plugged in (docs/mqtt.md): a session is open. */
const PLUGGED_STATES: readonly string[] = ["preparing", "charging", "finished"]

/**
 * The site's occupancy, pure: the percent of known stalls with a vehicle plugged in, an
 * integer 0..100, 0 for no stalls. Never overbill (SEMANTICS: unknown occupancy counts as
 * empty): an offline or faulted stall stays in the denominator but counts as empty, and
 * the percent is rounded down — 100 (the idle multiplier's "full") only when every stall
 * is plugged, and at least `idleMinOccupancyPct` only when the true share is.
 */
export function occupancyPercent(stalls: Iterable<{ state: string; online: boolean }>): number {
    let total = 0
    let plugged = 0
    for (const s of stalls) {
        total++
        if (s.online && PLUGGED_STATES.includes(s.state)) plugged++
    }
    return total === 0 ? 0 : Math.floor((plugged * 100) / total)
}

export class Availability {
    private stalls = new Map<string, StallView>()

    /** A status (or the offline will) of one stall; false when it changed nothing. */
    status(stallId: string, msg: any): boolean {
        if (typeof msg !== "object" || msg === null || typeof msg.state !== "string") return false
        const before = this.stalls.get(stallId)
        const next: StallView = {
            stallId,
            state: msg.state,
            // the will carries no connector: keep the last one known
            connector: typeof msg.connector === "string" ? msg.connector : (before?.connector ?? null),
            since: typeof msg.since === "number" ? msg.since : null,
            online: msg.state !== "offline",
            outbox: typeof msg.outbox === "number" ? msg.outbox : null,
        }
        if (before && JSON.stringify(before) === JSON.stringify(next)) return false
        this.stalls.set(stallId, next)
        return true
    }

    get size(): number {
        return this.stalls.size
    }

    has(stallId: string): boolean {
        return this.stalls.has(stallId)
    }

    list(): StallView[] {
        return [...this.stalls.values()].sort((a, b) => (a.stallId < b.stallId ? -1 : a.stallId > b.stallId ? 1 : 0))
    }

    /** The site's occupancy percent (see occupancyPercent). */
    occupancy(): number {
        return occupancyPercent(this.stalls.values())
    }

    /** Free (online and available) / total per connector, optionally one connector type. */
    byConnector(connector?: string): ConnectorCount[] {
        const counts = new Map<string, ConnectorCount>()
        for (const s of this.stalls.values()) {
            const c = s.connector ?? "unknown"
            if (connector !== undefined && c !== connector) continue
            let n = counts.get(c)
            if (!n) counts.set(c, (n = { connector: c, free: 0, total: 0 }))
            n.total++
            if (s.online && s.state === "available") n.free++
        }
        if (connector !== undefined && !counts.has(connector)) counts.set(connector, { connector, free: 0, total: 0 })
        return [...counts.values()].sort((a, b) => (a.connector < b.connector ? -1 : 1))
    }
}
