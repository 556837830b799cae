// A session checkpointed by the v1 firmware, resumed by this one: the same steps in Node
// and in the VM (test/devs/upgrade.ts), so the two can be compared.
import { StallAccounting } from "../../src/core/billing/accounting"
import { configFrom } from "../../src/core/billing/config"
import { SessionRecord } from "../../src/core/billing/session"
import { CheckpointItem } from "../../src/core/codec/checkpoint"

/** Restores `items`, idles another 62 s, unplugs: the record's idle and cost integers. */
export function resumeV1(items: CheckpointItem[], lastT: number): number[] {
    const a = new StallAccounting(configFrom({}))
    a.restore(items)
    for (let t = lastT + 1000; t <= lastT + 61_000; t += 1000) a.sample(t, "B", 400, 0)
    a.sample(lastT + 62_000, "A", 400, 0)
    const outs = a.take()
    for (let i = 0; i < outs.length; i++) {
        if (outs[i].type !== "session") continue
        const r = outs[i] as SessionRecord
        return [
            r.idleMs,
            r.idleBilledMinutes,
            r.idleFullMinutes,
            r.sharedPeriods,
            r.cost.timeMinor,
            r.cost.idleMinor,
            r.cost.totalMinor,
        ]
    }
    return []
}
