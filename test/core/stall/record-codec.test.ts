import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { checkpointParts, joinParts } from "../../../src/core/codec/checkpoint"
import { sessionMessage } from "../../../src/core/stall/messages"
import { decodeRecord, encodeRecord } from "../../../src/core/stall/record-codec"
import { replayTrace, SessionRecord } from "../../../src/core/trace/replay"
import { arbTrace } from "../../helpers/arb-trace"

const ID = { stallId: "S1", prefix: "stalls", connector: "NACS", fw: "0.1.0" }

describe("outbox record codec", () => {
    test("every record survives encode -> 200-byte parts -> decode unchanged (but the v2 fields, which this v1 layout reads as 0)", () => {
        fc.assert(
            fc.property(arbTrace, fc.option(fc.integer({ min: 1.6e12, max: 4e12 })), (trace, wall) => {
                for (const o of replayTrace(trace)) {
                    if (o.type !== "session") continue
                    const m = sessionMessage(ID, o as SessionRecord, "S1-3-" + o.sessionSeq, wall, wall)
                    const parts = checkpointParts(encodeRecord(m), 200)!
                    for (const p of parts) expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(200)
                    expect(decodeRecord(joinParts(JSON.parse(JSON.stringify(parts))))).toEqual({
                        ...m,
                        idleFullMinutes: 0,
                        sharedPeriods: 0,
                    })
                }
            }),
            { numRuns: 100 }
        )
    })

    test("a damaged record is refused", () => {
        const trace = {
            rows: [
                [0, "B", 400, 0],
                [1000, "C", 400, 100],
                [2000, "A", 400, 0],
            ],
        }
        const rec = replayTrace(trace).find((o) => o.type === "session") as SessionRecord
        const items = encodeRecord(sessionMessage(ID, rec, "S1-1-1", null, null))
        items[8] = (items[8] as number) + 1
        expect(() => decodeRecord(items)).toThrow(/checksum/)
        expect(() => decodeRecord(["SC", 1, 0])).toThrow()
    })
})
