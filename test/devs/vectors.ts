// Runs the shared vectors inside the DeviceScript VM (`devicescript run --test`).
// The vectors are generated into ./gen/vectors.g.ts as hex buffers, so they stay in
// flash and are streamed one row at a time: the VM heap is 64 KB.
import * as ds from "@devicescript/core"
import { describe, test } from "@devicescript/test"
import { Replay } from "../../src/core/trace/replay"
import { outputsDiff } from "../../src/core/trace/compare"
import { VECTORS } from "./gen/vectors.g"

/** Rows between awaits: too much work without one panics the VM (100 panicked on 23-jitter-noise). */
const ROWS_PER_YIELD = 20
const NEWLINE = 10

/** Calls `each` with every line of `buf`, yielding to the VM now and then. */
async function forEachLine(buf: Buffer, each: (line: string) => void) {
    let start = 0
    let n = 0
    while (start < buf.length) {
        let end = buf.indexOf(NEWLINE, start)
        if (end < 0) end = buf.length
        if (end > start) each(buf.slice(start, end).toString())
        start = end + 1
        if (++n % ROWS_PER_YIELD === 0) await ds.delay(0)
    }
}

describe("shared vectors in the DeviceScript VM", () => {
    VECTORS.forEach((v) => {
        test(v.name, async () => {
            const replay = new Replay(JSON.parse(v.header.toString()))
            const actual: any[] = []
            const t0 = ds.millis()
            await forEachLine(v.rows, (line) => {
                replay.row(JSON.parse(line))
                const o = replay.take()
                for (const x of o) actual.push(x)
            })
            const expected: any[] = []
            await forEachLine(v.expected, (line) => expected.push(JSON.parse(line)))
            const diff = outputsDiff(expected, actual)
            console.log(
                "vector " + v.name + " rows " + v.rowCount + " ms " + (ds.millis() - t0) + (diff ? " FAIL" : " ok")
            )
            if (diff) throw new Error(v.name + ": " + diff)
        })
    })
})
