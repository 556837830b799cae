import { isInteger, mod } from "../num"

/**
 * A checkpoint is a flat list of integers and short strings: integers print
 * exactly in both runtimes (the DeviceScript VM prints floats with ~6 digits),
 * and a flat list can be cut into settings values of at most 200 bytes.
 * Doubles are stored exactly as three integers (mantissa halves, exponent).
 */
export type CheckpointItem = number | string

export const CHECKPOINT_MAGIC = "SC"
const TWO_26 = 67108864
const TWO_53 = 9007199254740992
const CHECK_MOD = 2147483647

export class CheckpointWriter {
    items: CheckpointItem[] = []

    int(x: number): void {
        this.items.push(x)
    }

    bool(x: boolean): void {
        this.items.push(x ? 1 : 0)
    }

    str(x: string): void {
        this.items.push(x)
    }

    /** A finite double >= 0 as mantissa / 2^k, the mantissa in two 26-bit halves. */
    double(x: number): void {
        let k = 0
        while (x >= TWO_53) {
            x /= 2
            k--
        }
        while (Math.floor(x) !== x) {
            x *= 2
            k++
        }
        const hi = Math.floor(x / TWO_26)
        this.items.push(hi, x - hi * TWO_26, k)
    }

    /** Appends the checksum; returns the finished list. */
    finish(): CheckpointItem[] {
        this.items.push(checksum(this.items, this.items.length, exact))
        return this.items
    }
}

/** The same in Node and in the VM: what every checkpoint since SEMANTICS v2 carries. */
const exact = (x: number) => mod(x, CHECK_MOD)
/**
 * What the firmware before v2 computed, with the VM's `%` (its dividend taken as an int32,
 * num.ts `mod`): its checkpoints, in flash on the boards, must still restore.
 */
const asTheVmDid = (x: number) => (x | 0) % CHECK_MOD

function checksum(items: CheckpointItem[], n: number, reduce: (x: number) => number): number {
    let h = 7
    for (let i = 0; i < n; i++) {
        const x = items[i]
        if (typeof x === "number") h = reduce(h * 31 + reduce(x) + CHECK_MOD)
        else {
            h = reduce(h * 31 + 1000003 + x.length)
            for (let j = 0; j < x.length; j++) h = reduce(h * 31 + x.charCodeAt(j))
        }
    }
    return h
}

/** Reads a checkpoint back; any inconsistency throws an Error naming the field. */
export class CheckpointReader {
    private items: CheckpointItem[]
    private pos = 0

    constructor(items: unknown) {
        if (!Array.isArray(items) || items.length < 3) throw new Error("checkpoint: not a list")
        for (let i = 0; i < items.length; i++) {
            const x = items[i]
            if (typeof x !== "string" && !isInteger(x))
                throw new Error("checkpoint: item " + i + " is neither an integer nor a string")
        }
        const n = items.length - 1
        if (checksum(items, n, exact) !== items[n] && checksum(items, n, asTheVmDid) !== items[n])
            throw new Error("checkpoint: checksum mismatch")
        this.items = items.slice(0, n)
    }

    int(what: string, min: number, max: number): number {
        const x = this.items[this.pos++]
        if (typeof x !== "number" || x < min || x > max) throw new Error("checkpoint: bad " + what)
        return x
    }

    /** Any integer, e.g. a time. */
    time(what: string): number {
        const x = this.items[this.pos++]
        if (typeof x !== "number") throw new Error("checkpoint: bad " + what)
        return x
    }

    bool(what: string): boolean {
        return this.int(what, 0, 1) === 1
    }

    str(what: string): string {
        const x = this.items[this.pos++]
        if (typeof x !== "string") throw new Error("checkpoint: bad " + what)
        return x
    }

    double(what: string): number {
        const hi = this.int(what, 0, TWO_26 * 2)
        const lo = this.int(what, 0, TWO_26 - 1)
        let k = this.int(what, -1100, 1100)
        let x = hi * TWO_26 + lo
        // in steps, so no power of two overflows or underflows
        while (k > 0) {
            const s = k > 1000 ? 1000 : k
            x /= Math.pow(2, s)
            k -= s
        }
        while (k < 0) {
            const s = k < -1000 ? 1000 : -k
            x *= Math.pow(2, s)
            k += s
        }
        return x
    }

    end(): void {
        if (this.pos !== this.items.length) throw new Error("checkpoint: unexpected length")
    }
}

/** UTF-8 bytes of an item's JSON, counting escapes at their worst. */
function jsonBytes(x: CheckpointItem): number {
    if (typeof x === "number") return ("" + x).length
    let n = 2
    for (let i = 0; i < x.length; i++) {
        const c = x.charCodeAt(i)
        n += c < 32 ? 6 : c === 34 || c === 92 ? 2 : c < 128 ? 1 : c < 2048 ? 2 : 3
    }
    return n
}

/**
 * Cuts a checkpoint into JSON arrays of at most `maxBytes` each (settings
 * values). Returns null when a single item cannot fit.
 */
export function checkpointParts(items: CheckpointItem[], maxBytes: number): CheckpointItem[][] | null {
    const parts: CheckpointItem[][] = []
    let part: CheckpointItem[] = []
    let bytes = 2
    for (let i = 0; i < items.length; i++) {
        const b = jsonBytes(items[i])
        if (b + 2 > maxBytes) return null
        const add = part.length > 0 ? b + 1 : b
        if (bytes + add > maxBytes) {
            parts.push(part)
            part = []
            bytes = 2 + b
        } else bytes += add
        part.push(items[i])
    }
    if (part.length > 0) parts.push(part)
    return parts
}

export function joinParts(parts: CheckpointItem[][]): CheckpointItem[] {
    const items: CheckpointItem[] = []
    for (let i = 0; i < parts.length; i++) for (let j = 0; j < parts[i].length; j++) items.push(parts[i][j])
    return items
}
