// The rows one fleet stall follows: its scenario seen from a seeded starting moment
// (so a fleet's stalls are not all plugged at the same instant, nor all asleep at
// night when the run is short), repeated for as long as the run lasts.

import { scenarioRows, STEP_MS, type Row, type Scenario } from "../scenario/scenario"

const DAY_MIN = 1440

export function rowTime(row: Row): number {
    return Array.isArray(row) ? row[0] : row.t
}

export interface Start {
    /** the stall's clock starts at this scenario minute: an arrival */
    phaseMin: number
    /** then runs this long before the stall goes online, so it joins mid-day, maybe mid-session */
    warmUpMs: number
}

/**
 * A random moment within the scenario's busy part (first to last arrival), reached
 * from the arrival just before it: the history a stall met at that moment has.
 */
export function pickStart(sc: Scenario, random: () => number): Start {
    const arrivals = sc.visits.map((v) => v.arriveMin).sort((a, b) => a - b)
    const first = arrivals[0]
    const at = first + random() * (arrivals[arrivals.length - 1] - first)
    const phaseMin = arrivals.filter((a) => a <= at).pop() ?? first
    return { phaseMin, warmUpMs: Math.round((at - phaseMin) * 60) * 1000 }
}

/**
 * The scenario as seen from minute `phaseMin`: every time moves back by it, and
 * what falls before wraps round to the end of the scenario's span (its
 * durationMin, else a day), so the whole day still happens.
 */
export function phaseScenario(sc: Scenario, phaseMin: number): Scenario {
    const span = sc.durationMin ?? DAY_MIN
    const at = (min: number) => (((min - phaseMin) % span) + span) % span
    return {
        ...sc,
        visits: sc.visits.map((v) => ({ ...v, arriveMin: at(v.arriveMin) })),
        faults: sc.faults?.map((f) => ({ ...f, atMin: at(f.atMin) })),
        reboots: sc.reboots?.map((r) => ({ ...r, atMin: at(r.atMin) })),
        tariffChanges: sc.tariffChanges?.map((c) => ({ ...c, atMin: at(c.atMin) })),
    }
}

/**
 * The first stall of the scenario (side "a" of a pair), one day at a time, each
 * repetition continuing the clock where the previous one ended.
 */
export function* loopedRows(sc: Scenario, seed: number): Generator<Row> {
    let offset = 0
    for (;;) {
        let last = -1
        for (const { stall, row } of scenarioRows(sc, { seed, days: 1 })) {
            if (stall !== 0) continue
            last = rowTime(row)
            if (offset === 0) yield row
            else if (Array.isArray(row)) yield [row[0] + offset, row[1], row[2], row[3]]
            else yield { ...row, t: row.t + offset }
        }
        if (last < 0) throw new Error("the scenario produced no rows for its first stall")
        offset += last + STEP_MS
    }
}

/** loopedRows with a look at the next row's time. */
export class StallTimeline {
    private readonly rows: Generator<Row>
    private next: Row

    constructor(sc: Scenario, seed: number) {
        this.rows = loopedRows(sc, seed)
        this.next = this.rows.next().value as Row
    }

    get nextT(): number {
        return rowTime(this.next)
    }

    take(): Row {
        const row = this.next
        this.next = this.rows.next().value as Row
        return row
    }
}
