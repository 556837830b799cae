import { describe, expect, test } from "vitest"
import { StallAccounting } from "../../src/core/billing/accounting"
import { configFrom } from "../../src/core/billing/config"
import { heldRecord, outboxPage, PAGE_MAGIC, pageRecords, recordOfHeld } from "../../src/core/stall/record-codec"
import type { SessionMessage } from "../../src/core/stall/messages"
import { FlashStore, OUTBOX_PAGES } from "../../src/store/flash"
import { FstorModel } from "../helpers/fstor"
import { dayOfRecords } from "./records"
import { readFileSync } from "node:fs"

/** The deployment's settings (.env.defaults) live in the same store. */
async function deployed(kv: FstorModel) {
    for (const line of readFileSync(".env.defaults", "utf8").split("\n")) {
        const m = /^([A-Z_]+)=(.*)$/.exec(line)
        if (m) await kv.write(m[1], /^-?\d+$/.test(m[2]) ? Number(m[2]) : m[2])
    }
}

const held = (recs: SessionMessage[]) => recs.map((r) => ({ sessionId: r.sessionId, text: heldRecord(r) }))

describe("flash store layout (Node model of the settings store)", () => {
    test("records survive the page format exactly", () => {
        const recs = dayOfRecords(5)
        const back = pageRecords(outboxPage(recs))
        expect(back).toEqual(recs)
        const odd = { ...recs[0], sessionId: "other-id", account: null, pluggedAt: null, tierThresholdsKw: [60.5] }
        expect(pageRecords(outboxPage([odd, recs[1]]))).toEqual([odd, recs[1]])
        expect(() => pageRecords(outboxPage(recs).replace(PAGE_MAGIC, PAGE_MAGIC + "W"))).toThrow()
        const shared = { ...recs[2], sharedPeriods: 3, idleFullMinutes: 2 }
        expect(pageRecords(outboxPage([shared]))).toEqual([shared])
    })

    test("a page written before SEMANTICS v2 (R2) still reads, its records with both v2 fields 0", () => {
        // written by the page codec of commit e14f3c1
        const old = JSON.parse(readFileSync("test/store/fixtures/outbox-page-r2.json", "utf8"))
        expect(old.page.startsWith("R2")).toBe(true)
        expect(pageRecords(old.page)).toEqual(
            old.records.map((r: object) => ({ ...r, idleFullMinutes: 0, sharedPeriods: 0 }))
        )
    })

    test("48 records, both checkpoint slots, boot and the deployment settings fit in 8 KB", async () => {
        const kv = new FstorModel()
        await deployed(kv)
        const s = new FlashStore(kv)
        await s.nextBoot()
        const recs = dayOfRecords(48)
        const outbox = held(recs)
        expect(await s.saveOutbox(outbox)).toEqual({ ok: true, unsaved: [] })
        const a = new StallAccounting(configFrom(undefined))
        a.authorize("acct-000001", 1234)
        for (let t = 0; t <= 70000; t += 1000) a.sample(t, t === 0 ? "B" : "C", 400, 150.5)
        expect(await s.saveCheckpoint(a.checkpoint(), 3)).toBe(true)
        expect(await s.saveCheckpoint(a.checkpoint(), 3)).toBe(true)
        expect(kv.dropped).toBe(0)
        const again = new FlashStore(kv)
        const errors: string[] = []
        const back = await again.loadOutbox(errors)
        expect(errors).toEqual([])
        expect(back.map((e) => recordOfHeld(e.text))).toEqual(recs)
        expect((await again.loadCheckpoints()).length).toBe(2)
        const used = kv.liveBytes()
        console.log(
            `flash: 48 records + 2 checkpoints + boot + ${readFileSync(".env.defaults", "utf8").split("\n").filter(Boolean).length} settings: ${used} of ${kv.capacity} bytes, headroom ${kv.capacity - used}`
        )
        expect(used).toBeLessThan(kv.capacity)
        // acks rewrite only the page the record left
        const w0 = kv.flashWrites
        expect(await again.saveOutbox(back.slice(1))).toEqual({ ok: true, unsaved: [] })
        expect(kv.flashWrites - w0).toBe(1)
    })

    test("when the pages are full, saveOutbox names the records without room and keeps what it holds", async () => {
        const kv = new FstorModel()
        const s = new FlashStore(kv)
        const recs = dayOfRecords(OUTBOX_PAGES * 2 + 6)
        const outbox = held(recs)
        const saved = await s.saveOutbox(outbox)
        expect(saved.ok).toBe(true)
        const back = await new FlashStore(kv).loadOutbox([])
        expect(back.length).toBeGreaterThanOrEqual(48)
        expect(back.map((e) => e.sessionId)).toEqual(recs.slice(0, back.length).map((r) => r.sessionId))
        expect(saved.unsaved).toEqual(recs.slice(back.length).map((r) => r.sessionId))
        // an ack makes room: the next write places the oldest record that had none
        const after = await s.saveOutbox(outbox.slice(1))
        expect(after.unsaved).toEqual(saved.unsaved.slice(1))
        const again = await new FlashStore(kv).loadOutbox([])
        expect(again.map((e) => e.sessionId)).toContain(saved.unsaved[0])
    })

    test("a record the page format cannot hold is held as JSON, sent, and never stored", async () => {
        const kv = new FstorModel()
        const s = new FlashStore(kv)
        const [r] = dayOfRecords(1)
        const odd = { ...r, energyWh: 0.5 }
        const text = heldRecord(odd)
        expect(text.startsWith("{")).toBe(true)
        expect(recordOfHeld(text)).toEqual(odd)
        expect(await s.saveOutbox([{ sessionId: r.sessionId, text }])).toEqual({ ok: true, unsaved: [r.sessionId] })
    })
})
