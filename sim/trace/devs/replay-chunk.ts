// One chunk of a `stall-trace/1` replayed by the billing core inside the DeviceScript VM
// (`sim replay --vm`, sim/trace/vm-replay.ts). The chunk is a hex buffer (flash, not the
// 64 KB heap) in the layout of sim/trace/vm-data.ts, read one row at a time. Every
// number printed goes through `exact`: the VM prints floats with ~6 digits and
// integers exactly only below 1e15.
import * as ds from "@devicescript/core"
import { describe, test } from "@devicescript/test"
import { CheckpointWriter } from "../../../src/core/codec/index"
import { Replay } from "../../../src/core/trace/index"

/** Rows between awaits: more work without one panics the VM (100 panicked on 23-jitter-noise). */
const ROWS_PER_YIELD = 20
const PILOTS = ["A", "B", "C", "D", "E", "F"]
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000]
const HASH = 35
/** Characters per console line: the VM cuts a longer one (a session record was cut at ~300). */
const LINE_CHARS = 200

/** Decodes vm-data.ts values from a buffer. */
class Reader {
    buf: Buffer
    pos: number
    /** t of the last compact sample row */
    prevT = 0

    constructor(buf: Buffer, pos: number) {
        this.buf = buf
        this.pos = pos
    }

    u8(): number {
        return this.buf.getAt(this.pos++, "u8")
    }

    varint(): number {
        let x = 0
        let scale = 1
        let b = this.u8()
        while (b >= 128) {
            x += (b - 128) * scale
            scale *= 128
            b = this.u8()
        }
        return x + b * scale
    }

    str(): string {
        const n = this.varint()
        const s = this.buf.slice(this.pos, this.pos + n).toString()
        this.pos += n
        return s
    }

    value(): any {
        const tag = this.u8()
        if (tag >= 0x10 && tag < 0x20) {
            const k = tag & 7
            const m = k === 0 ? this.varint() : this.varint() / POW10[k]
            return tag & 8 ? -m : m
        }
        if (tag === 0x00) return null
        if (tag === 0x01) return false
        if (tag === 0x02) return true
        if (tag === 0x03) return this.str()
        if (tag === 0x04) {
            const n = this.varint()
            const a: any[] = []
            for (let i = 0; i < n; i++) a.push(this.value())
            return a
        }
        if (tag === 0x05) {
            const n = this.varint()
            const o: any = {}
            for (let i = 0; i < n; i++) {
                const k = this.str()
                o[k] = this.value()
            }
            return o
        }
        if (tag === 0x06) {
            const x = this.buf.getAt(this.pos, "f64")
            this.pos += 8
            return x
        }
        throw new Error("vm-data: bad tag " + tag + " at " + (this.pos - 1))
    }

    /** A row: a compact sample [t, pilot, volts, amps] or any value. */
    row(): any {
        const tag = this.buf.getAt(this.pos, "u8")
        if (tag < 0x20) return this.value()
        this.pos++
        const dt = this.varint()
        this.prevT += tag & 8 ? -dt : dt
        const volts = this.value()
        return [this.prevT, PILOTS[tag & 7], volts, this.value()]
    }
}

/** `x` with every number Node could not read back exactly as a "#..." string (sim/trace/vm-data.ts). */
function exact(x: any): any {
    if (typeof x === "number") {
        if (Math.floor(x) === x && x < 1e15 && x > -1e15) return x
        if (x !== x) return "#nan"
        if (x - x !== 0) return x > 0 ? "#inf" : "#-inf"
        const w = new CheckpointWriter()
        w.double(x < 0 ? -x : x)
        return (x < 0 ? "#-" : "#") + w.items.join(",")
    }
    if (typeof x === "string") return x.length > 0 && x.charCodeAt(0) === HASH ? "#" + x : x
    if (x === null || typeof x !== "object") return x
    if (Array.isArray(x)) return x.map(exact)
    const o: any = {}
    const keys = Object.keys(x)
    for (let i = 0; i < keys.length; i++) o[keys[i]] = exact(x[keys[i]])
    return o
}

/** One "R<kind> text" fact; a long text goes first in "R+" pieces (ASCII: JSON.stringify escapes the rest). */
function emit(kind: string, text: string) {
    while (text.length > LINE_CHARS) {
        console.log("R+ " + text.slice(0, LINE_CHARS))
        text = text.slice(LINE_CHARS)
    }
    console.log("R" + kind + " " + text)
}

/** Replays the chunk in `data`, printing one "R? ..." line per fact (read by sim/trace/vm-replay.ts). */
async function replayChunk(data: Buffer) {
    const end = 4 + data.getAt(0, "u32")
    const r = new Reader(data, 4)
    const meta = r.value()
    emit("c", "" + meta.chunk)
    const replay = new Replay(meta.header)
    if (meta.checkpoint !== null) replay.acct.restore(meta.checkpoint)
    emit("t", JSON.stringify(exact(replay.tariffError)))
    let row = meta.first
    let rejected = 0
    await ds.delay(0)
    const t0 = ds.millis()
    while (r.pos < end) {
        // the common sample inline: every function call allocates a frame, and test
        // mode collects garbage on every allocation
        const tag = data.getAt(r.pos, "u8")
        let rr: any
        if (tag >= 0x40) {
            const wide = tag & 8
            const dt = wide ? data.getAt(r.pos + 1, "i32") : data.getAt(r.pos + 1, "i16")
            const at = r.pos + (wide ? 5 : 3)
            r.prevT += dt
            rr = [r.prevT, PILOTS[tag & 7], data.getAt(at, "i32") / 1000, data.getAt(at + 4, "i32") / 1000]
            r.pos = at + 8
        } else rr = r.row()
        const why = replay.row(rr)
        if (why !== null) {
            if (rejected < meta.shown) emit("j", row + " " + JSON.stringify(exact(why)))
            rejected++
        }
        // outputs stay in order across rows, so they are printed at the yields only
        if (++row % ROWS_PER_YIELD === 0 || r.pos >= end) {
            const o = replay.take()
            for (let i = 0; i < o.length; i++) emit("o", JSON.stringify(exact(o[i])))
            await ds.delay(0)
        }
    }
    emit("m", "" + (ds.millis() - t0))
    emit("e", rejected + " " + JSON.stringify(exact(replay.acct.checkpoint())))
}

/** The generated entry's one call: a test, so `devicescript run --test --test-self-exit` fails on a throw. */
export function replayChunkTest(data: Buffer) {
    describe("replay", () => {
        test("chunk", async () => {
            await replayChunk(data)
        })
    })
}
