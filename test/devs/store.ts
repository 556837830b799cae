// The flash store on DeviceScript's real settings (VM test mode): checkpoint slots,
// outbox records and the boot counter survive a round trip within the 200-byte values.
import { describe, expect, test } from "@devicescript/test"
import { StallAccounting } from "../../src/core/billing/accounting"
import { configFrom } from "../../src/core/billing/config"
import { sessionMessage } from "../../src/core/stall/messages"
import { SessionRecord } from "../../src/core/billing/session"
import { FlashStore } from "../../src/store/flash"

const ID = { stallId: "S1", prefix: "stalls", connector: "NACS", fw: "t" }

function chargedAccounts(): StallAccounting {
    const a = new StallAccounting(configFrom(undefined))
    a.authorize("acct-1", 1234.5)
    for (let t = 0; t <= 70000; t += 1000) a.sample(t, t === 0 ? "B" : "C", 400, 150.5)
    return a
}

describe("flash store", () => {
    test("boot counter counts", async () => {
        const s = new FlashStore()
        const a = await s.nextBoot()
        const b = await s.nextBoot()
        expect(b).toBe(a + 1)
    })

    test("checkpoint round trip, newest slot first", async () => {
        const s = new FlashStore()
        const a = chargedAccounts()
        expect(await s.saveCheckpoint(a.checkpoint(), 3)).toBe(true)
        a.sample(71000, "C", 400, 150.5)
        a.sample(72000, "B", 400, 0)
        expect(await s.saveCheckpoint(a.checkpoint(), 3)).toBe(true)
        const found = await new FlashStore().loadCheckpoints()
        expect(found.length).toBe(2)
        expect(found[0].lineage).toBe(3)
        const b = new StallAccounting(configFrom(undefined))
        b.restore(found[0].items)
        expect(JSON.stringify(b.checkpoint())).toBe(JSON.stringify(a.checkpoint()))
        expect(b.stateName()).toBe("finished")
    })

    test("outbox keeps records until they are gone from the list", async () => {
        const s = new FlashStore()
        await s.loadOutbox([])
        const a = chargedAccounts()
        a.sample(71000, "A", 400, 0)
        const rec = a.take().filter((o) => o.type === "session")[0] as SessionRecord
        const m1 = sessionMessage(ID, rec, "S1-1-1", null, 1800000000000)
        const m2 = sessionMessage(ID, rec, "S1-1-2", null, null)
        expect(
            await s.saveOutbox([
                { sessionId: "S1-1-1", record: m1 },
                { sessionId: "S1-1-2", record: m2 },
            ])
        ).toBe(true)
        const errors: string[] = []
        const back = await new FlashStore().loadOutbox(errors)
        expect(errors.length).toBe(0)
        expect(back.length).toBe(2)
        expect(JSON.stringify(back[0].record)).toBe(JSON.stringify(m1))
        // two records, two slots: a slot mix-up shows here
        expect(JSON.stringify(back[1].record)).toBe(JSON.stringify(m2))
        expect(JSON.stringify(m1) === JSON.stringify(m2)).toBe(false)
        expect(await s.saveOutbox([{ sessionId: "S1-1-2", record: m2 }])).toBe(true)
        const after = await new FlashStore().loadOutbox(errors)
        expect(after.length).toBe(1)
        expect(after[0].sessionId).toBe("S1-1-2")
    })
})
