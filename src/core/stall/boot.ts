import { StallAccounting } from "../billing/accounting"
import { StallConfig } from "../billing/config"
import { Tariff } from "../billing/tariff"
import { CheckpointItem } from "../codec/checkpoint"

/** A checkpoint as flash holds it, with the boot number its accounts began in. */
export interface StoredCheckpoint {
    items: CheckpointItem[]
    lineage: number
}

/**
 * The accounts after a power cut (SEMANTICS "Reboots"): checkpoint -> a fresh
 * instance -> restore -> reboot. The one resume the firmware, the fleet and replay share.
 */
export function rebooted(acct: StallAccounting, config: StallConfig): StallAccounting {
    const fresh = new StallAccounting(config)
    fresh.restore(acct.checkpoint())
    fresh.reboot()
    return fresh
}

export interface Resumed {
    acct: StallAccounting
    /** boot number of the accounts' first boot: sessionId = stallId-lineage-seq */
    lineage: number
    restored: boolean
    /** why each newer checkpoint was refused */
    refused: string[]
    /** device time at boot on the accounts' timeline: the time since boot counts as unobserved outage */
    baseT: number
}

/**
 * At boot: the newest intact checkpoint (candidates newest first) resumes the
 * accounts; with none, fresh accounts start a new lineage at this boot.
 */
export function resume(config: StallConfig, tariff: Tariff, candidates: StoredCheckpoint[], boot: number): Resumed {
    const refused: string[] = []
    for (let i = 0; i < candidates.length; i++) {
        const acct = new StallAccounting(config, tariff)
        try {
            acct.restore(candidates[i].items)
        } catch (e) {
            refused.push((e as Error).message)
            continue
        }
        acct.reboot()
        return { acct, lineage: candidates[i].lineage, restored: true, refused, baseT: acct.lastT() }
    }
    return { acct: new StallAccounting(config, tariff), lineage: boot, restored: false, refused, baseT: 0 }
}

/** The boot event's detail. */
export function bootDetail(boot: number, restored: boolean, pendingRecords: number): string {
    return (
        "boot " +
        boot +
        (restored ? ", accounts restored" : ", fresh accounts") +
        ", " +
        pendingRecords +
        " records pending"
    )
}
