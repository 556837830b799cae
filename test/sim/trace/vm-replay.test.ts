import { afterAll, beforeAll, describe, expect, test } from "vitest"
import fc from "fast-check"
import type { Trace } from "../../../sim/trace/load"
import { ignoredNote, outputLines, replayInNode, type ReplayReport } from "../../../sim/trace/report"
import { CHUNK_BYTES, VmReplayer } from "../../../sim/trace/vm-replay"
import { arbTrace } from "../../helpers/arb-trace"

// `sim replay --vm` on what the shared vectors do not reach: a trace of many chunks
// (the accounts carried by checkpoint from one to the next) and numbers and strings
// that the VM cannot print as Node does.
const LONG_ROWS = 24_000

/** Generated traces one after another on one timeline: every state, events, tariffs, reboots. */
function longTrace(): Trace {
    const parts = fc.sample(arbTrace, { seed: 7, numRuns: 400 })
    const rows: unknown[] = []
    let t = 0
    for (const p of parts) {
        if (rows.length >= LONG_ROWS) break
        const shift = t + 60_000 - 1_000_000
        for (const r of p.rows)
            rows.push(Array.isArray(r) ? [r[0] + shift, ...r.slice(1)] : { ...(r as object), t: (r as any).t + shift })
        t = (rows[rows.length - 1] as number[])[0]
    }
    return { format: "stall-trace/1", tariff: parts[0].tariff, config: parts[0].config, rows }
}

/** Values on every path of sim/trace/vm-data.ts and of the VM's `exact`. */
const EDGE_TRACE: Trace = {
    format: "stall-trace/1",
    tariff: {
        id: "EDGE-1",
        currency: "EUR",
        mode: "per_minute",
        tierThresholdsKw: [60.125, 150.1234567891],
        perMinuteMinor: [17, 34.5, 51],
        perKwhMinor: 0,
        idlePerMinuteMinor: 35,
        idleGraceMs: 3000,
        idleGraceMode: "deduct",
        periodMs: 5000,
    },
    config: { finishAfterMs: 3000 },
    rows: [
        { t: 0, event: "authorize", account: "#Zoë € ünï", freeWh: 0.1 },
        [1_000_000_000_000_000, "B", 400, 0],
        [1_000_000_000_001_000, "C", 0.1 + 0.2, 1e-7],
        [1_000_000_000_002_000, "C", 400.0001, 375.5],
        [1_000_000_000_003_000, "C", 399.9999999, 400],
        [1_000_000_000_090_000, "C", 400, 380.123],
        [1_000_000_000_010_000, "C", 400, 380],
        [1_000_000_000_091_000, "C", "400", 380],
        [1_000_000_000_092_000, "C", 400, -0],
        [1_000_000_000_093_000, "X", 400, 380],
        null,
        [],
        "row",
        { event: "nope" },
        [1_000_000_000_094_000.5, "C", 400, 380],
        [1_000_000_000_095_000, "C", 1e300, 380],
        [1_000_000_000_130_000, "C", 400, 380],
        [1_000_000_000_131_000, "B", 400, 0],
        [1_000_000_000_140_000, "A", 400, 0],
    ],
}

let replayer: VmReplayer
const runs = new Map<string, ReplayReport>()

beforeAll(async () => {
    replayer = await VmReplayer.build()
    runs.set("edge", await replayer.replay(EDGE_TRACE))
    runs.set("long", await replayer.replay(longTrace()))
}, 900_000)

afterAll(async () => {
    await replayer?.close()
})

describe("sim replay --vm", () => {
    test("a long trace, cut into chunks, prints what the Node replay prints", () => {
        const trace = longTrace()
        expect(trace.rows.length).toBeGreaterThanOrEqual(LONG_ROWS)
        expect(replayer.stats.chunks).toBeGreaterThanOrEqual(Math.ceil((trace.rows.length * 11) / CHUNK_BYTES))
        const inNode = replayInNode(trace)
        expect(inNode.outputs.filter((o: any) => o.type === "session").length).toBeGreaterThan(50)
        expect(outputLines(runs.get("long")!)).toBe(outputLines(inNode))
        expect(ignoredNote(runs.get("long")!, "r")).toBe(ignoredNote(inNode, "r"))
    })

    test("numbers and strings the VM prints differently come back exact", () => {
        const inNode = replayInNode(EDGE_TRACE)
        expect(inNode.tariffError).toBe(null)
        expect(inNode.rejected).toBeGreaterThanOrEqual(6)
        expect(outputLines(runs.get("edge")!)).toBe(outputLines(inNode))
        expect(runs.get("edge")!.rejections).toEqual(inNode.rejections)
        expect(runs.get("edge")!.rejected).toBe(inNode.rejected)
    })
})
