import { CheckpointItem } from "../codec/checkpoint"
import { OutboxEntry, OutboxSaved, Publish, StallController } from "./controller"

/** The flash the shell writes to (src/store/flash.ts on a stall). */
export interface StallStore {
    /** makes flash hold `outbox`, as much of it as fits */
    saveOutbox(outbox: OutboxEntry[]): Promise<OutboxSaved>
    saveCheckpoint(items: CheckpointItem[], lineage: number): Promise<boolean>
}

/** The wire (src/net/link.ts on a stall): false when not sent. */
export interface StallWire {
    publish(p: Publish): Promise<boolean>
}

/**
 * Does what the controller says is due, in its order: flash first (a record is
 * in the outbox before its first publish), then the wire. A second round sends
 * what the first one's writes produced (the tap's checkpoint marker, a
 * storage_error event) right away; a write that keeps failing is retried on the
 * next flush, not in a loop.
 */
export async function flush(ctl: StallController, store: StallStore, wire: StallWire, now: () => number) {
    for (let round = 0; round < 2 && ctl.hasDue(); round++) {
        const d = ctl.due()
        const outbox = d.outbox ? await store.saveOutbox(d.outbox) : null
        const checkpointWritten = d.checkpoint ? await store.saveCheckpoint(d.checkpoint.items, ctl.lineage) : true
        ctl.saved(d, outbox, checkpointWritten, now())
        for (let i = 0; i < d.publish.length; i++) await wire.publish(d.publish[i])
    }
}
