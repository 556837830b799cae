// The flash store on DeviceScript's real settings (VM test mode): checkpoint slots,
// outbox pages and the boot counter survive a round trip within the 200-byte values,
// and a day of records (48) fits beside both checkpoints and the deployment settings.
import * as ds from "@devicescript/core"
import { readSetting, writeSetting } from "@devicescript/settings"
import { describe, expect, test } from "@devicescript/test"
import { StallAccounting } from "../../src/core/billing/accounting"
import { configFrom } from "../../src/core/billing/config"
import { SessionMessage, sessionMessage } from "../../src/core/stall/messages"
import { SessionRecord } from "../../src/core/billing/session"
import { heldRecord, pageRecords, recordOfHeld } from "../../src/core/stall/record-codec"
import { FlashStore, OUTBOX_PAGES } from "../../src/store/flash"
import { OutboxEntry } from "../../src/core/stall/controller"
import { deviceSettings } from "../../src/store/settings-kv"
import { DEPLOYED } from "./deployed"

const ID = { stallId: "stall-1", prefix: "stalls", connector: "NACS", fw: "0.1.0" }

function chargedAccounts(): StallAccounting {
    const a = new StallAccounting(configFrom(undefined))
    a.authorize("acct-1", 1234.5)
    for (let t = 0; t <= 70000; t += 1000) a.sample(t, t === 0 ? "B" : "C", 400, 150.5)
    return a
}

/** One 30-minute session an hour, as test/store/records.ts makes them in Node, each handed to `each`. */
async function dayOfRecords(n: number, each: (m: SessionMessage) => void): Promise<void> {
    const a = new StallAccounting(configFrom(undefined))
    let t = 5000000
    for (let i = 1; i <= n; i++) {
        a.authorize("acct-" + (100000 + i * 37), i % 3 === 0 ? 0 : 20000)
        a.sample(t, "B", 400, 0)
        for (let k = 1; k <= 30; k++) a.sample(t + k * 60000, "C", 400, k < 10 ? 120 : 300 - i)
        a.sample(t + 31 * 60000, "B", 400, 0)
        a.sample(t + 38 * 60000 + 1234, "A", 0, 0)
        const rec = a.take().filter((o) => o.type === "session")[0] as SessionRecord
        const id = ID.stallId + "-3-" + rec.sessionSeq
        each(sessionMessage(ID, rec, id, rec.pluggedAtMs + 1800000000000, rec.unpluggedAtMs + 1800000000000))
        t += 3600000
        await ds.delay(1)
    }
}

function digest(s: string): number {
    let h = 7
    for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) % 1048573
    return h
}

/** Bytes the store holds for these keys: a 24-byte entry and the value rounded up to 8. */
async function storeBytes(keys: string[]): Promise<number> {
    let n = 0
    for (const k of keys) {
        const v = await readSetting(k)
        if (v === undefined) continue
        const len = Buffer.from(JSON.stringify(v)).length
        n += 24 + (len + 7 - ((len + 7) % 8))
    }
    return n
}

describe("flash store", () => {
    test("boot counter counts", async () => {
        const s = new FlashStore(deviceSettings)
        const a = await s.nextBoot()
        const b = await s.nextBoot()
        expect(b).toBe(a + 1)
    })

    test("checkpoint round trip, newest slot first", async () => {
        const s = new FlashStore(deviceSettings)
        const a = chargedAccounts()
        expect(await s.saveCheckpoint(a.checkpoint(), 3)).toBe(true)
        a.sample(71000, "C", 400, 150.5)
        a.sample(72000, "B", 400, 0)
        expect(await s.saveCheckpoint(a.checkpoint(), 3)).toBe(true)
        const found = await new FlashStore(deviceSettings).loadCheckpoints()
        expect(found.length).toBe(2)
        expect(found[0].lineage).toBe(3)
        const b = new StallAccounting(configFrom(undefined))
        b.restore(found[0].items)
        expect(JSON.stringify(b.checkpoint())).toBe(JSON.stringify(a.checkpoint()))
        expect(b.stateName()).toBe("finished")
    })

    test("outbox keeps records until they are gone from the list", async () => {
        const s = new FlashStore(deviceSettings)
        await s.loadOutbox([])
        const recs: SessionMessage[] = []
        await dayOfRecords(3, (m) => recs.push(m))
        const m = recs.map((r) => ({ sessionId: r.sessionId, text: heldRecord(r) }))
        expect((await s.saveOutbox(m)).unsaved.length).toBe(0)
        const errors: string[] = []
        const back = await new FlashStore(deviceSettings).loadOutbox(errors)
        expect(errors.length).toBe(0)
        expect(back.length).toBe(3)
        for (let i = 0; i < 3; i++) expect(JSON.stringify(recordOfHeld(back[i].text))).toBe(JSON.stringify(recs[i]))
        expect((await s.saveOutbox([m[1]])).ok).toBe(true)
        const after = await new FlashStore(deviceSettings).loadOutbox(errors)
        expect(after.length).toBe(1)
        expect(after[0].sessionId).toBe(recs[1].sessionId)
        expect((await s.saveOutbox([])).ok).toBe(true)
        expect((await new FlashStore(deviceSettings).loadOutbox(errors)).length).toBe(0)
    })

    test("a day of records: 48 in the outbox beside both checkpoints and the settings", async () => {
        for (const kv of DEPLOYED) await writeSetting(kv[0], kv[1])
        const s = new FlashStore(deviceSettings)
        expect((await s.loadOutbox([])).length).toBe(0)
        // held compact as the controller holds them, and a digest of each to check them by
        const digests: number[] = []
        let outbox: OutboxEntry[] = []
        await dayOfRecords(48, (r) => {
            digests.push(digest(JSON.stringify(r)))
            outbox.push({ sessionId: r.sessionId, text: heldRecord(r) })
        })
        const saved = await s.saveOutbox(outbox)
        expect(saved.ok).toBe(true)
        expect(saved.unsaved.length).toBe(0)
        outbox = []
        const a = chargedAccounts()
        expect(await s.saveCheckpoint(a.checkpoint(), 3)).toBe(true)
        expect(await s.saveCheckpoint(a.checkpoint(), 3)).toBe(true)

        // a restart: every page reads back intact. Page by page: the VM's 64 KB heap
        // does not hold a second day of records as objects (measured: OutOfMemory)
        let n = 0
        for (let p = 0; p < OUTBOX_PAGES; p++) {
            const text = await readSetting("op" + p)
            if (typeof text !== "string" || text === "") continue
            const page = pageRecords(text)
            for (const r of page) expect(digest(JSON.stringify(r))).toBe(digests[n++])
            await ds.delay(1)
        }
        expect(n).toBe(48)
        expect((await new FlashStore(deviceSettings).loadCheckpoints()).length).toBe(2)

        const keys: string[] = ["boot"]
        for (const kv of DEPLOYED) keys.push(kv[0])
        for (let i = 0; i < 8; i++) keys.push("cpA" + i, "cpB" + i)
        for (let p = 0; p < OUTBOX_PAGES; p++) keys.push("op" + p)
        const used = await storeBytes(keys)
        // the headroom, measured: 200-byte values until the store drops one
        let pad = ""
        for (let i = 0; i < 190; i++) pad += "x"
        let fill = 0
        for (; fill < 40; fill++) {
            await writeSetting("fill" + fill, pad + fill)
            if ((await readSetting("fill" + fill)) !== pad + fill) break
        }
        console.log(
            "flash: 48 records, 2 checkpoints, boot, " +
                DEPLOYED.length +
                " settings: " +
                used +
                " bytes; then " +
                fill +
                " more values of 24 + 200 bytes fitted"
        )
        // the records are still intact after the store compacted around the fill
        n = 0
        for (let p = 0; p < OUTBOX_PAGES; p++) {
            const text = await readSetting("op" + p)
            if (typeof text !== "string" || text === "") continue
            n += pageRecords(text).length
            await ds.delay(1)
        }
        expect(n).toBe(48)
    })
})
