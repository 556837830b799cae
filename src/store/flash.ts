import { CheckpointItem, checkpointParts, joinParts } from "../core/codec/index"
import {
    decodeRecord,
    heldRecord,
    OutboxEntry,
    outboxPage,
    OutboxSaved,
    PAGE_MAGIC,
    PAGE_MAX_RECORDS,
    pageRecords,
    recordOfHeld,
    recordOrder,
    SessionMessage,
    StallStore,
    StoredCheckpoint,
} from "../core/stall/index"

/**
 * The stall's flash, in DeviceScript settings. Platform limits (DEVICESCRIPT.md,
 * jacdac-c source/jd_fstor.c): key + value at most 232 bytes (reading a bigger one
 * crashes the VM); every value costs a 24-byte entry plus its bytes rounded up to 8
 * in a log of 8 KB (simulator) or 16 KB (ESP32) that compacts when full and
 * silently drops a write that still does not fit; an unchanged value is not
 * written again. So: values of at most 200 bytes, every write read back, few keys,
 * written on state changes only, and never deleted (a deleted key keeps a 32-byte
 * tombstone).
 *
 * Layout (docs/hardware.md "Flash budget"): `boot`; two checkpoint slots `cpA0..`
 * and `cpB0..` whose part 0 starts [parts, generation, lineage] and is written last
 * (a torn slot fails its checksum, the other slot is used); the outbox in
 * OUTBOX_PAGES pages `op0..`, each holding up to PAGE_MAX_RECORDS compact records
 * (record-codec.ts), a record staying in its page until acknowledged. The
 * controller holds each record as a one-record page; only the pages being
 * written are decoded, a few records at a time (the VM's heap is 64 KB).
 */
export const VALUE_BYTES = 200
const MAX_PARTS = 8
/** 26 pages of 224 bytes: 48 records (~100 characters, two a page with accounts up to ~25) in 5.8 KB */
export const OUTBOX_PAGES = 26

/** The settings store, passed in so the layout runs in Node too (bench, tests). */
export interface SettingsKV {
    read(key: string): Promise<any>
    write(key: string, value: any): Promise<void>
    remove(key: string): Promise<void>
    /** lets other fibers run: the VM panics (InfiniteLoop) after too much work without an await */
    pause(): Promise<void>
}

const BOOT_KEY = "boot"
/** v1 layout (before outbox pages), read once to migrate */
const LEGACY_POINTER = "cp"
const LEGACY_OUTBOX_INDEX = "obx"
const LEGACY_SLOTS = 4

function slotKey(slot: number): string {
    return slot === 0 ? "cpA" : "cpB"
}

/** UTF-8 bytes of a string value's JSON (at most: escapes counted at their worst). */
function jsonBytes(s: string): number {
    let n = 2
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i)
        n += c < 32 ? 6 : c === 34 || c === 92 ? 2 : c < 128 ? 1 : c < 2048 ? 2 : 3
    }
    return n
}

export class FlashStore implements StallStore {
    private kv: SettingsKV
    /** slot of the newest checkpoint and its generation */
    private active = 1
    private generation = 0
    private legacyPointer = false
    /** sessionIds per outbox page, as flash holds them */
    private pageIds: string[][] = []
    /** bytes of each page's value as flash holds it */
    private pageBytes: number[] = []
    /** flash writes since start (each value written), for the bench */
    writes = 0

    constructor(kv: SettingsKV) {
        this.kv = kv
        for (let p = 0; p < OUTBOX_PAGES; p++) {
            this.pageIds.push([])
            this.pageBytes.push(0)
        }
    }

    /** Writes and reads back; false when the store dropped or changed the value. */
    private async writeChecked(key: string, value: any): Promise<boolean> {
        const text = JSON.stringify(value)
        if (text.length > VALUE_BYTES) return false
        this.writes++
        await this.kv.write(key, value)
        const back = await this.kv.read(key)
        return JSON.stringify(back) === text
    }

    private async readParts(prefix: string, first: number, n: number): Promise<CheckpointItem[][] | null> {
        const parts: CheckpointItem[][] = []
        for (let i = first; i < n; i++) {
            const p = await this.kv.read(prefix + i)
            if (!Array.isArray(p)) return null
            parts.push(p)
        }
        return parts
    }

    /** Counts boots; the count makes session ids unique for the stall's life. */
    async nextBoot(): Promise<number> {
        const b = await this.kv.read(BOOT_KEY)
        const next = (typeof b === "number" && b >= 0 ? Math.floor(b) : 0) + 1
        await this.writeChecked(BOOT_KEY, next)
        return next
    }

    /** Newest checkpoint first, then the older one: the caller restores the first that is intact. */
    async loadCheckpoints(): Promise<StoredCheckpoint[]> {
        const found: StoredCheckpoint[] = []
        const gens: number[] = []
        for (let slot = 0; slot < 2; slot++) {
            const head = await this.kv.read(slotKey(slot) + 0)
            if (!Array.isArray(head) || head.length < 4 || typeof head[0] !== "number") continue
            const n = head[0]
            const gen = head[1]
            if (n < 1 || n > MAX_PARTS || typeof gen !== "number" || typeof head[2] !== "number") continue
            const rest = await this.readParts(slotKey(slot), 1, n)
            if (!rest) continue
            rest.unshift(head.slice(3))
            const items = joinParts(rest)
            const entry = { items, lineage: head[2] }
            if (found.length > 0 && gen > gens[0]) {
                found.unshift(entry)
                gens.unshift(gen)
            } else {
                found.push(entry)
                gens.push(gen)
            }
            if (gen >= this.generation) {
                this.generation = gen
                this.active = slot
            }
        }
        if (found.length > 0) return found
        return await this.loadLegacyCheckpoints()
    }

    /** v1: [active slot, parts in slot 0, parts in slot 1, lineage] in "cp". */
    private async loadLegacyCheckpoints(): Promise<StoredCheckpoint[]> {
        const p = await this.kv.read(LEGACY_POINTER)
        if (!Array.isArray(p) || p.length !== 4) return []
        this.legacyPointer = true
        const active = p[0] === 0 ? 0 : 1
        this.active = active
        const found: StoredCheckpoint[] = []
        const order = [active, 1 - active]
        for (let k = 0; k < 2; k++) {
            const n = p[1 + order[k]]
            if (typeof n !== "number" || n < 1 || n > MAX_PARTS) continue
            const parts = await this.readParts(slotKey(order[k]), 0, n)
            if (parts) found.push({ items: joinParts(parts), lineage: p[3] })
        }
        return found
    }

    /**
     * Writes the older slot, its part 0 last: a power cut mid-write leaves that slot
     * failing its checksum and the newer one intact. One value per part, no pointer.
     */
    async saveCheckpoint(items: CheckpointItem[], lineage: number): Promise<boolean> {
        const slot = 1 - this.active
        const gen = this.generation + 1
        // room for the part count in front of part 0
        const all: CheckpointItem[] = [gen, lineage]
        for (let i = 0; i < items.length; i++) all.push(items[i])
        const parts = checkpointParts(all, VALUE_BYTES - 4)
        if (!parts || parts.length > MAX_PARTS) return false
        for (let i = parts.length - 1; i >= 1; i--)
            if (!(await this.writeChecked(slotKey(slot) + i, parts[i]))) return false
        parts[0].unshift(parts.length)
        if (!(await this.writeChecked(slotKey(slot) + 0, parts[0]))) return false
        this.active = slot
        this.generation = gen
        if (this.legacyPointer) {
            await this.kv.remove(LEGACY_POINTER)
            this.legacyPointer = false
        }
        return true
    }

    /** Unacknowledged records, oldest first; a damaged page is skipped and described in `errors`. */
    async loadOutbox(errors: string[]): Promise<OutboxEntry[]> {
        const found: Found[] = []
        for (let p = 0; p < OUTBOX_PAGES; p++) {
            this.pageIds[p] = []
            this.pageBytes[p] = 0
            const text = await this.kv.read("op" + p)
            if (typeof text !== "string" || text === "") continue
            this.pageBytes[p] = jsonBytes(text)
            try {
                const records = pageRecords(text)
                for (let i = 0; i < records.length; i++) {
                    found.push(foundOf(records[i]))
                    this.pageIds[p].push(records[i].sessionId)
                }
            } catch (e) {
                errors.push("outbox page " + p + ": " + (e as Error).message)
            }
            await this.kv.pause()
        }
        const legacy = await this.loadLegacyOutbox(found, errors)
        found.sort((a, b) => recordOrder(a, b))
        const entries = found.map((f) => f.entry)
        if (legacy.length > 0 && (await this.saveOutbox(entries)).ok)
            for (let i = 0; i < legacy.length; i++) await this.kv.remove(legacy[i])
        return entries
    }

    /** v1 slots `ob<slot>p<part>` indexed by "obx": added to `found`; returns their keys. */
    private async loadLegacyOutbox(found: Found[], errors: string[]): Promise<string[]> {
        const idx = await this.kv.read(LEGACY_OUTBOX_INDEX)
        if (!Array.isArray(idx)) return []
        const keys = [LEGACY_OUTBOX_INDEX]
        for (let slot = 0; slot < LEGACY_SLOTS; slot++) {
            const n = typeof idx[slot] === "number" ? idx[slot] : 0
            if (n < 1 || n > MAX_PARTS) continue
            const prefix = "ob" + slot + "p"
            for (let i = 0; i < n; i++) keys.push(prefix + i)
            const parts = await this.readParts(prefix, 0, n)
            try {
                const record = decodeRecord(parts ? joinParts(parts) : null)
                if (!isFound(found, record.sessionId)) found.push(foundOf(record))
            } catch (e) {
                errors.push("outbox slot " + slot + ": " + (e as Error).message)
            }
        }
        return keys
    }

    /**
     * Makes flash hold exactly `outbox`: an acknowledged record leaves its page, a new
     * one goes to the first page with room; only changed pages are written. Says
     * which records found no room (the flash budget is full) and whether every
     * write went through.
     */
    async saveOutbox(outbox: OutboxEntry[]): Promise<OutboxSaved> {
        let ok = true
        // sessionId -> held text: lookups without a scan (the VM's work budget between awaits is small)
        const texts: any = {}
        for (let i = 0; i < outbox.length; i++) texts[outbox[i].sessionId] = outbox[i].text
        const beforeIds: string[][] = []
        const beforeBytes: number[] = []
        const dirty: boolean[] = []
        for (let p = 0; p < OUTBOX_PAGES; p++) {
            beforeIds.push(this.pageIds[p])
            beforeBytes.push(this.pageBytes[p])
            const kept = this.pageIds[p].filter((id) => texts[id] !== undefined)
            dirty.push(kept.length !== this.pageIds[p].length)
            this.pageIds[p] = kept
            // a page that lost records, measured as it will be
            if (dirty[p]) this.pageBytes[p] = await this.bytesOf(await this.recordsOf(texts, kept))
        }
        let placed = this.placed()
        for (let i = 0; i < outbox.length; i++) {
            const id = outbox[i].sessionId
            if (placed[id] !== undefined) continue
            const text = outbox[i].text
            // a held record is a one-record page: its size alone (-1: held as JSON, not storable)
            const alone = text.startsWith(PAGE_MAGIC) ? jsonBytes(text) : -1
            const p = alone < 0 ? -1 : await this.pageWithRoom(texts, text, alone)
            // flash keeps the oldest records: once one finds no room, the newer ones wait in RAM
            if (p < 0) break
            this.pageIds[p].push(id)
            this.pageBytes[p] = await this.bytesOf(await this.recordsOf(texts, this.pageIds[p]))
            dirty[p] = true
        }
        for (let p = 0; p < OUTBOX_PAGES; p++) {
            if (!dirty[p]) continue
            const records = await this.recordsOf(texts, this.pageIds[p])
            const text = records.length > 0 ? outboxPage(records) : ""
            if (await this.writeChecked("op" + p, text)) this.pageBytes[p] = jsonBytes(text)
            else {
                this.pageIds[p] = beforeIds[p]
                this.pageBytes[p] = beforeBytes[p]
                ok = false
            }
        }
        placed = this.placed()
        const unsaved: string[] = []
        for (let i = 0; i < outbox.length; i++)
            if (placed[outbox[i].sessionId] === undefined) unsaved.push(outbox[i].sessionId)
        return { ok, unsaved }
    }

    /** sessionId -> its page, as flash holds them */
    private placed(): any {
        const at: any = {}
        for (let p = 0; p < OUTBOX_PAGES; p++)
            for (let i = 0; i < this.pageIds[p].length; i++) at[this.pageIds[p][i]] = p
        return at
    }

    /**
     * A page's bytes for these records; -1 when the page format cannot hold one
     * exactly. Every record decoded or page encoded is followed by a pause: the VM
     * allows 131,072 steps between suspensions (DEVS_MAX_STEPS, on a board too), a
     * record's decode takes ~6,000 (measured: 21 in a row panicked with InfiniteLoop).
     */
    private async bytesOf(records: SessionMessage[]): Promise<number> {
        if (records.length === 0) return 0
        let n = -1
        try {
            n = jsonBytes(outboxPage(records))
        } catch (e) {
            // -1: not storable
        }
        await this.kv.pause()
        return n
    }
    /**
     * The first page a record of `alone` bytes surely fits in (its magic and check
     * digits counted twice, the strings it could share with the page not saved).
     */
    private async pageWithRoom(texts: any, text: string, alone: number): Promise<number> {
        for (let p = 0; p < OUTBOX_PAGES; p++) {
            const n = this.pageIds[p].length
            if (n === 0 || (n < PAGE_MAX_RECORDS && this.pageBytes[p] + alone <= VALUE_BYTES)) return p
            // exactly, where the strings it shares with the page could make room
            if (n >= PAGE_MAX_RECORDS || this.pageBytes[p] + alone > VALUE_BYTES + 48) continue
            const records = await this.recordsOf(texts, this.pageIds[p])
            records.push(recordOfHeld(text))
            const exact = await this.bytesOf(records)
            if (exact >= 0 && exact <= VALUE_BYTES) return p
        }
        return -1
    }

    /** The records of these ids, decoded (a page's worth at most). */
    private async recordsOf(texts: any, ids: string[]): Promise<SessionMessage[]> {
        const out: SessionMessage[] = []
        for (let i = 0; i < ids.length; i++) {
            const text = texts[ids[i]]
            if (typeof text !== "string") continue
            out.push(recordOfHeld(text))
            await this.kv.pause()
        }
        return out
    }
}

/** A record read from flash: held compact, with what orders it. */
interface Found {
    stallId: string
    sessionId: string
    sessionSeq: number
    entry: OutboxEntry
}

function isFound(found: Found[], id: string): boolean {
    for (let i = 0; i < found.length; i++) if (found[i].sessionId === id) return true
    return false
}

function foundOf(m: SessionMessage): Found {
    return {
        stallId: m.stallId,
        sessionId: m.sessionId,
        sessionSeq: m.sessionSeq,
        entry: { sessionId: m.sessionId, text: heldRecord(m) },
    }
}
