// The bytes a `sim replay --vm` chunk carries into the VM, and the VM's printed values
// back to exact JSON values. Read by sim/trace/devs/replay-chunk.ts.
//
// A value is one tag byte and its payload (varints are base 128, low group first):
//   0x00 null, 0x01 false, 0x02 true, 0x03 string (varint byte length, UTF-8),
//   0x04 array (varint count, values), 0x05 object (varint count, (string, value) pairs),
//   0x06 a double (8 bytes, little-endian),
//   0x10 | neg << 3 | k   a number m / 10^k, m a varint (k = 0..6): exact whenever
//                         m / 10^k === x in doubles, which the VM computes the same way.
// A row is a value, or a sample [t, pilot, volts, amps] relative to the previous
// sample's t (pilot 0..5 = A..F):
//   0x40 | wide << 3 | pilot, t - previous t (i16, or i32 when wide), volts and amps in
//        thousandths (i32 each): the VM reads it with 4 getAt and no function call, which
//        matters: test mode collects garbage on every allocation, a call's frame included
//        (decoding rows with calls per byte cost as much as the core, 400 us a row).
//   0x20 | neg << 3 | pilot, varint |t - previous t|, volts, amps as values: any other.

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000]
const PILOTS = "ABCDEF"

/** Appends one value's bytes to `out`. */
export function writeValue(out: number[], x: unknown): void {
    if (x === null || x === undefined) out.push(0x00)
    else if (x === false) out.push(0x01)
    else if (x === true) out.push(0x02)
    else if (typeof x === "number") writeNumber(out, x)
    else if (typeof x === "string") writeString(out, 0x03, x)
    else if (Array.isArray(x)) {
        out.push(0x04)
        writeVarint(out, x.length)
        for (const v of x) writeValue(out, v)
    } else if (typeof x === "object") {
        const keys = Object.keys(x).filter((k) => (x as any)[k] !== undefined)
        out.push(0x05)
        writeVarint(out, keys.length)
        for (const k of keys) {
            writeString(out, -1, k)
            writeValue(out, (x as any)[k])
        }
    } else throw new Error(`vm-data: cannot encode a ${typeof x}`)
}

/** Appends one row's bytes; returns the t the next compact sample is relative to. */
export function writeRow(out: number[], row: unknown, prevT: number): number {
    if (Array.isArray(row) && row.length === 4 && typeof row[1] === "string" && row[1].length === 1) {
        const pilot = PILOTS.indexOf(row[1])
        const dt = row[0] - prevT
        const volts = milli(row[2])
        const amps = milli(row[3])
        if (
            pilot >= 0 &&
            Number.isSafeInteger(row[0]) &&
            dt >= -(2 ** 31) &&
            dt < 2 ** 31 &&
            volts !== null &&
            amps !== null
        ) {
            const wide = dt < -32768 || dt > 32767
            const b = Buffer.alloc(wide ? 13 : 11)
            b[0] = 0x40 | (wide ? 8 : 0) | pilot
            if (wide) b.writeInt32LE(dt, 1)
            else b.writeInt16LE(dt, 1)
            b.writeInt32LE(volts, b.length - 8)
            b.writeInt32LE(amps, b.length - 4)
            out.push(...b)
            return row[0]
        }
        if (pilot >= 0 && Number.isSafeInteger(row[0]) && Number.isSafeInteger(dt)) {
            out.push(0x20 | (dt < 0 ? 8 : 0) | pilot)
            writeVarint(out, Math.abs(dt))
            writeValue(out, row[2])
            writeValue(out, row[3])
            return row[0]
        }
    }
    writeValue(out, row)
    return prevT
}

/** x in thousandths as a 32-bit integer, when x / 1000 gives x back exactly; else null */
function milli(x: unknown): number | null {
    if (typeof x !== "number" || Object.is(x, -0)) return null
    const m = Math.round(x * 1000)
    return m >= -(2 ** 31) && m < 2 ** 31 && m / 1000 === x ? m : null
}

function writeVarint(out: number[], x: number): void {
    while (x >= 128) {
        out.push((x % 128) + 128)
        x = Math.floor(x / 128)
    }
    out.push(x)
}

/** tag < 0: no tag (object keys) */
function writeString(out: number[], tag: number, s: string): void {
    const bytes = Buffer.from(s, "utf8")
    if (tag >= 0) out.push(tag)
    writeVarint(out, bytes.length)
    for (const b of bytes) out.push(b)
}

function writeNumber(out: number[], x: number): void {
    const a = Math.abs(x)
    if (!Object.is(x, -0) && Number.isFinite(a))
        for (let k = 0; k < POW10.length; k++) {
            const m = k === 0 ? a : Math.round(a * POW10[k])
            if (Number.isSafeInteger(m) && (k === 0 ? m : m / POW10[k]) === a) {
                out.push(0x10 | (x < 0 ? 8 : 0) | k)
                writeVarint(out, m)
                return
            }
        }
    const b = Buffer.alloc(8)
    b.writeDoubleLE(x)
    out.push(0x06, ...b)
}

/**
 * A value the VM printed with `exact` (replay-chunk.ts) back to what it held: its
 * JSON.stringify writes each UTF-8 byte of a non-ASCII string as \u00XX, numbers Node
 * could not read back exactly come as "#hi,lo,k" (mantissa halves of 26 bits and a
 * power of two, as in src/core/codec/checkpoint.ts), and a string starting with "#"
 * has one more "#".
 */
export function readPrinted(x: unknown): unknown {
    if (typeof x === "string") {
        if (/[^\x00-\xff]/.test(x)) throw new Error(`vm-data: the VM printed a character above \\u00ff`)
        const s = Buffer.from(x, "latin1").toString("utf8")
        return s.startsWith("#") ? readMarked(s) : s
    }
    if (x === null || typeof x !== "object") return x
    if (Array.isArray(x)) return x.map(readPrinted)
    const o: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(x)) o[k] = readPrinted(v)
    return o
}

function readMarked(s: string): unknown {
    if (s.startsWith("##")) return s.slice(1)
    if (s === "#nan") return NaN
    if (s === "#inf") return Infinity
    if (s === "#-inf") return -Infinity
    const m = /^#(-?)(\d+),(\d+),(-?\d+)$/.exec(s)
    if (!m) throw new Error(`vm-data: unreadable number ${JSON.stringify(s)}`)
    let x = Number(m[2]) * 67108864 + Number(m[3])
    // one halving or doubling at a time: exact down to subnormals, where 2^k itself overflows
    for (let k = Number(m[4]); k > 0; k--) x /= 2
    for (let k = Number(m[4]); k < 0; k++) x *= 2
    return m[1] ? -x : x
}
