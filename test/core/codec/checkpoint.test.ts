import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
    CheckpointItem,
    checkpointParts,
    CheckpointReader,
    CheckpointWriter,
    joinParts,
} from "../../../src/core/codec/checkpoint"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import { CHECKPOINT_VERSION } from "../../../src/core/billing/state-codec"

const SETTINGS_VALUE_BYTES = 200

function charging(): StallAccounting {
    const a = new StallAccounting(configFrom({}))
    a.authorize("acct-1", 1234.5)
    for (let t = 0; t <= 90_000; t += 1000) a.sample(t, t === 0 ? "B" : "C", 400, 100 + t / 1000)
    return a
}

/** Rewrites the trailing checksum so only the chosen corruption is tested. */
function resealed(items: CheckpointItem[]): CheckpointItem[] {
    const w = new CheckpointWriter()
    w.items = items.slice(0, -1)
    return w.finish()
}

describe("exact doubles", () => {
    test("any finite double >= 0 comes back bit for bit, as integers", () => {
        fc.assert(
            fc.property(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), (x) => {
                const w = new CheckpointWriter()
                w.double(x)
                for (const i of w.items) expect(Number.isSafeInteger(i)).toBe(true)
                const back = new CheckpointReader(w.finish()).double("x")
                expect(Object.is(back, x) || (x === 0 && back === 0)).toBe(true)
            }),
            { numRuns: 2000 }
        )
    })
})

describe("checkpoint layout", () => {
    test("integers and strings only, no floats", () => {
        for (const x of charging().checkpoint())
            expect(typeof x === "string" || Number.isSafeInteger(x), String(x)).toBe(true)
    })

    test("restores to the same state, and the copy carries on identically", () => {
        const a = charging()
        a.take()
        const b = new StallAccounting(configFrom({}))
        b.restore(a.checkpoint())
        expect(b.checkpoint()).toEqual(a.checkpoint())
        a.sample(91_000, "A", 400, 0)
        b.sample(91_000, "A", 400, 0)
        expect(b.take()).toEqual(a.take())
    })

    test("fits settings values of 200 bytes, even at its largest", () => {
        const a = new StallAccounting(configFrom({}))
        const big = {
            id: "X".repeat(32),
            currency: "EUR",
            mode: "per_minute",
            tierThresholdsKw: [1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7],
            perMinuteMinor: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
            perKwhMinor: 1 / 3,
            idlePerMinuteMinor: 35.5,
            idleGraceMs: 1e300,
            idleGraceMode: "waive",
            periodMs: 60000,
        }
        expect(a.setTariff(big)).toBeNull()
        a.sample(0, "C", 400, 333.333)
        a.authorize("ü".repeat(32) + '"\\'.repeat(16), 1e-300)
        a.sample(1000, "C", 400, 333.337)
        a.authorize("€".repeat(64), Math.PI) // pending for the next session
        const items = a.checkpoint()
        const parts = checkpointParts(items, SETTINGS_VALUE_BYTES)!
        expect(parts.length).toBeGreaterThan(1)
        for (const p of parts) expect(Buffer.byteLength(JSON.stringify(p), "utf8")).toBeLessThanOrEqual(200)
        expect(joinParts(parts)).toEqual(items)
        const b = new StallAccounting(configFrom({}))
        b.restore(joinParts(JSON.parse(JSON.stringify(parts))))
        expect(b.checkpoint()).toEqual(items)
    })

    test("an item that cannot fit any value is refused, not truncated", () => {
        expect(checkpointParts(["\u0001".repeat(40)], SETTINGS_VALUE_BYTES)).toBeNull()
    })
})

describe("restore rejects what it cannot trust, and changes nothing", () => {
    const good = charging().checkpoint()
    const cases: [string, unknown, string][] = [
        ["not a list", { a: 1 }, "not a list"],
        ["a flipped number", good.map((x, i) => (i === 10 && typeof x === "number" ? x + 1 : x)), "checksum"],
        ["a float", resealed(good.map((x, i) => (i === 6 ? 1.5 : x))), "neither an integer nor a string"],
        ["another version", resealed(good.map((x, i) => (i === 1 ? CHECKPOINT_VERSION + 1 : x))), "version"],
        ["another magic", resealed(good.map((x, i) => (i === 0 ? "XX" : x))), "not a stall checkpoint"],
        ["a truncated list", resealed(good.slice(0, 20)), "checkpoint"],
        ["a longer list", resealed([...good.slice(0, -1), 0, 0]), "unexpected length"],
        ["a bad state", resealed(good.map((x, i) => (i === 2 ? 9 : x))), "bad state"],
    ]
    test.each(cases)("%s", (_what, cp, message) => {
        const a = charging()
        const before = a.checkpoint()
        expect(() => a.restore(cp)).toThrow(message)
        expect(a.checkpoint()).toEqual(before)
    })

    test("random corruption never restores silently into a different state", () => {
        fc.assert(
            fc.property(fc.nat(), fc.integer({ min: 1, max: 1000 }), (at, delta) => {
                const cp = good.slice()
                const i = at % (cp.length - 1)
                cp[i] = typeof cp[i] === "number" ? (cp[i] as number) + delta : cp[i] + "x"
                expect(() => new StallAccounting(configFrom({})).restore(cp)).toThrow(/checkpoint/)
            })
        )
    })
})

describe("a v1 checkpoint (written before SEMANTICS v2)", () => {
    // written by the v1 codec (commit e14f3c1): 90 s charging, an open period, 399 s idle
    const v1 = JSON.parse(readFileSync(join(__dirname, "../billing/fixtures/checkpoint-v1.json"), "utf8"))

    test("restores with v2's defaults: no sharing, occupancy 0, every factor 1", () => {
        expect(v1.items[1]).toBe(1)
        const a = new StallAccounting(configFrom({}))
        a.restore(v1.items)
        const snap = a.snapshot()
        expect(snap.state).toBe(v1.state)
        expect(snap.session).toEqual({ ...v1.record, idleFullMinutes: 0, sharedPeriods: 0 })
        expect(a.checkpoint()[1]).toBe(CHECKPOINT_VERSION)
    })

    test("the same checkpoint as the v1 firmware wrote it in the VM (its checksum with the VM's `%`) restores too", () => {
        const vm = JSON.parse(readFileSync(join(__dirname, "../billing/fixtures/checkpoint-v1-vm.json"), "utf8"))
        expect(vm.items.at(-1)).not.toBe(v1.items.at(-1))
        const a = new StallAccounting(configFrom({}))
        a.restore(vm.items)
        expect(a.snapshot().session).toEqual({ ...v1.record, idleFullMinutes: 0, sharedPeriods: 0 })
        // any other last item is refused
        expect(() =>
            new StallAccounting(configFrom({})).restore([...vm.items.slice(0, -1), vm.items.at(-1) + 1])
        ).toThrow(/checksum/)
    })

    test("carries on as the v1 session would: idle minutes keep counting on the same grid", () => {
        const a = new StallAccounting(configFrom({}))
        a.restore(v1.items)
        for (let t = v1.lastT + 1000; t <= v1.lastT + 61_000; t += 1000) a.sample(t, "B", 400, 0)
        a.sample(v1.lastT + 62_000, "A", 400, 0)
        const rec = a.take().find((o) => o.type === "session") as any
        // 399 s + 62 s idle: ceil((461 - 300) / 60) = 3 minutes at 35
        expect([rec.idleMs, rec.idleBilledMinutes, rec.idleFullMinutes, rec.cost.idleMinor]).toEqual([
            461_000, 3, 0, 105,
        ])
    })
})
