import { describe, expect, test } from "vitest"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import { CheckpointItem } from "../../../src/core/codec/checkpoint"
import { OutboxEntry, Publish, StallController } from "../../../src/core/stall/controller"
import { flush, StallStore, StallWire } from "../../../src/core/stall/flush"

const ID = { stallId: "S1", prefix: "stalls", connector: "NACS", fw: "test" }

/** A store and a wire that log what reaches them, in order; writes fail while `failing`. */
function world() {
    const log: string[] = []
    const state = { failing: false }
    const store: StallStore = {
        async saveOutbox(o: OutboxEntry[]) {
            log.push("outbox " + o.map((e) => e.sessionId).join(","))
            return { ok: !state.failing, unsaved: state.failing ? o.map((e) => e.sessionId) : [] }
        },
        async saveCheckpoint(items: CheckpointItem[], lineage: number) {
            log.push("checkpoint " + lineage)
            return !state.failing
        },
    }
    const wire: StallWire = {
        async publish(p: Publish) {
            log.push(
                p.topic.slice("stalls/S1/".length) +
                    (p.topic.endsWith("/event") ? " " + JSON.parse(p.payload).kind : "")
            )
            return true
        },
    }
    return { log, state, store, wire }
}

function controller(): StallController {
    const c = new StallController(ID, new StallAccounting(configFrom({})), 5, [], {
        telemetryMs: 10_000,
        resendMs: 30_000,
        tap: true,
        maxOutbox: 4,
    })
    c.connected(0)
    return c
}

describe("flush", () => {
    test("a closed session reaches the outbox and the checkpoint before its record reaches the wire", async () => {
        const c = controller()
        const w = world()
        c.sample(1000, "B", 400_000, 0)
        await flush(c, w.store, w.wire, () => 1000)
        w.log.length = 0
        c.sample(2000, "A", 0, 0)
        await flush(c, w.store, w.wire, () => 2000)
        expect(w.log.indexOf("outbox S1-5-1")).toBe(0)
        expect(w.log[1]).toBe("checkpoint 5")
        expect(w.log.indexOf("session")).toBeGreaterThan(1)
        // the tap's checkpoint marker goes out in the same flush, after the rows it covers
        expect(w.log.lastIndexOf("tap")).toBeGreaterThan(w.log.indexOf("session"))
        expect(c.hasDue()).toBe(false)
    })

    test("a write that fails is reported and retried on the next flush, not in a loop", async () => {
        const c = controller()
        const w = world()
        w.state.failing = true
        c.sample(1000, "B", 400_000, 0)
        await flush(c, w.store, w.wire, () => 1000)
        expect(w.log.filter((l) => l.startsWith("checkpoint"))).toHaveLength(2)
        expect(w.log).toContain("event storage_error")
        expect(c.checkpointDue).toBe(true)
        w.state.failing = false
        w.log.length = 0
        await flush(c, w.store, w.wire, () => 1500)
        expect(w.log[0]).toBe("checkpoint 5")
        expect(c.checkpointDue).toBe(false)
    })

    test("due() hands out each write once; saved() clears nothing it was not told", () => {
        const c = controller()
        c.sample(1000, "B", 400_000, 0)
        const d = c.due()
        expect(d.checkpoint).not.toBeNull()
        expect(d.outbox).toBeNull()
        expect(d.publish.length).toBeGreaterThan(0)
        expect(c.due().publish).toEqual([])
        c.saved(d, null, false, 1000)
        expect(c.checkpointDue).toBe(true)
        const again = c.due()
        c.saved(again, null, true, 1000)
        expect(c.checkpointDue).toBe(false)
    })
})
