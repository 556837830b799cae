import { readSetting, writeSetting } from "@devicescript/settings"
import { CheckpointItem, checkpointParts, joinParts } from "../core/codec/index"
import {
    decodeRecord,
    encodeRecord,
    OUTBOX_RECORDS,
    OutboxEntry,
    StallStore,
    StoredCheckpoint,
} from "../core/stall/index"

/**
 * The stall's flash, in DeviceScript settings. Platform limits (DEVICESCRIPT.md):
 * key + value at most 232 bytes (reading a bigger one crashes the VM), a small
 * append-only store that silently drops writes when full. So: values of at most
 * 200 bytes, every write read back, few keys, written on state changes only.
 */
export const VALUE_BYTES = 200
const MAX_PARTS = 8
export const OUTBOX_SLOTS = OUTBOX_RECORDS

const BOOT_KEY = "boot"
/** [active slot 0|1, parts in slot 0, parts in slot 1, lineage] */
const CP_POINTER = "cp"
const OUTBOX_INDEX = "obx"

/** Writes and reads back; false when the store dropped or changed the value. */
async function writeChecked(key: string, value: any): Promise<boolean> {
    const text = JSON.stringify(value)
    if (text.length > VALUE_BYTES) return false
    await writeSetting(key, value)
    const back = await readSetting(key)
    return JSON.stringify(back) === text
}

async function writeParts(prefix: string, items: CheckpointItem[]): Promise<number> {
    const parts = checkpointParts(items, VALUE_BYTES)
    if (!parts || parts.length > MAX_PARTS) return -1
    for (let i = 0; i < parts.length; i++) if (!(await writeChecked(prefix + i, parts[i]))) return -1
    return parts.length
}

async function readParts(prefix: string, n: number): Promise<CheckpointItem[] | null> {
    const parts: CheckpointItem[][] = []
    for (let i = 0; i < n; i++) {
        const p = await readSetting(prefix + i)
        if (!Array.isArray(p)) return null
        parts.push(p)
    }
    return joinParts(parts)
}

function slotKey(slot: number): string {
    return slot === 0 ? "cpA" : "cpB"
}

export class FlashStore implements StallStore {
    /** the checkpoint pointer as last written */
    private pointer = [1, 0, 0, 0]
    /** sessionId per outbox slot, "" when free */
    private slotIds: string[] = ["", "", "", ""]
    private slotParts: number[] = [0, 0, 0, 0]

    /** Counts boots; the count makes session ids unique for the stall's life. */
    async nextBoot(): Promise<number> {
        const b = await readSetting(BOOT_KEY, 0)
        const next = (typeof b === "number" && b >= 0 ? Math.floor(b) : 0) + 1
        await writeChecked(BOOT_KEY, next)
        return next
    }

    /** Newest checkpoint first, then the older one: the caller restores the first that is intact. */
    async loadCheckpoints(): Promise<StoredCheckpoint[]> {
        const p = await readSetting(CP_POINTER)
        if (!Array.isArray(p) || p.length !== 4) return []
        this.pointer = p
        const active = p[0] === 0 ? 0 : 1
        const found: StoredCheckpoint[] = []
        const order = [active, 1 - active]
        for (let k = 0; k < 2; k++) {
            const slot = order[k]
            const n = p[1 + slot]
            if (typeof n !== "number" || n < 1 || n > MAX_PARTS) continue
            const items = await readParts(slotKey(slot), n)
            if (items) found.push({ items, lineage: p[3] })
        }
        return found
    }

    /** Writes the inactive slot, then flips the pointer: a power cut mid-write keeps the old one. */
    async saveCheckpoint(items: CheckpointItem[], lineage: number): Promise<boolean> {
        const slot = this.pointer[0] === 0 ? 1 : 0
        const n = await writeParts(slotKey(slot), items)
        if (n < 0) return false
        const next = this.pointer.slice(0)
        next[0] = slot
        next[1 + slot] = n
        next[3] = lineage
        if (!(await writeChecked(CP_POINTER, next))) return false
        this.pointer = next
        return true
    }

    /** Unacknowledged records; a damaged one is skipped and described in `errors`. */
    async loadOutbox(errors: string[]): Promise<OutboxEntry[]> {
        const idx = await readSetting(OUTBOX_INDEX)
        const entries: OutboxEntry[] = []
        this.slotIds = []
        this.slotParts = []
        for (let slot = 0; slot < OUTBOX_SLOTS; slot++) {
            const n = Array.isArray(idx) && typeof idx[slot] === "number" ? idx[slot] : 0
            this.slotIds.push("")
            this.slotParts.push(0)
            if (n < 1 || n > MAX_PARTS) continue
            const items = await readParts("ob" + slot + "p", n)
            try {
                const record = decodeRecord(items)
                entries.push({ sessionId: record.sessionId, record })
                this.slotIds[slot] = record.sessionId
                this.slotParts[slot] = n
            } catch (e) {
                errors.push("outbox slot " + slot + ": " + (e as Error).message)
            }
        }
        return entries
    }

    /** Makes flash hold exactly `outbox` (at most OUTBOX_SLOTS records). */
    async saveOutbox(outbox: OutboxEntry[]): Promise<boolean> {
        let ok = true
        for (let slot = 0; slot < OUTBOX_SLOTS; slot++) {
            if (this.slotIds[slot] && !findEntry(outbox, this.slotIds[slot])) {
                this.slotIds[slot] = ""
                this.slotParts[slot] = 0
            }
        }
        for (let i = 0; i < outbox.length; i++) {
            const id = outbox[i].sessionId
            if (this.slotOf(id) >= 0) continue
            const slot = this.slotOf("")
            if (slot < 0) {
                ok = false
                continue
            }
            const n = await writeParts("ob" + slot + "p", encodeRecord(outbox[i].record))
            if (n < 0) {
                ok = false
                continue
            }
            this.slotIds[slot] = id
            this.slotParts[slot] = n
        }
        return (await writeChecked(OUTBOX_INDEX, this.slotParts)) && ok
    }

    private slotOf(id: string): number {
        for (let s = 0; s < this.slotIds.length; s++) if (this.slotIds[s] === id) return s
        return -1
    }
}

function findEntry(outbox: OutboxEntry[], id: string): boolean {
    for (let i = 0; i < outbox.length; i++) if (outbox[i].sessionId === id) return true
    return false
}
