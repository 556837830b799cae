// A day and more offline, in the VM's 64 KB heap, through the controller and the real
// flash store: OUTBOX_RECORDS records close with no broker; flash keeps at least 48,
// each one it has no room for is told (outbox_full) and held in RAM; back online every
// record goes out RESEND_BATCH a tick, once per pass; acked, RAM and flash are empty.
import * as ds from "@devicescript/core"
import { readSetting, writeSetting } from "@devicescript/settings"
import { describe, expect, test } from "@devicescript/test"
import { StallAccounting } from "../../src/core/billing/accounting"
import { configFrom } from "../../src/core/billing/config"
import { OUTBOX_RECORDS, Publish, StallController } from "../../src/core/stall/controller"
import { flush } from "../../src/core/stall/flush"
import { pageRecords } from "../../src/core/stall/record-codec"
import { FlashStore, OUTBOX_PAGES } from "../../src/store/flash"
import { deviceSettings } from "../../src/store/settings-kv"
import { DEPLOYED } from "./deployed"

/** Counted page by page: loading them as a second outbox would not fit beside the first in the heap. */
async function recordsInFlash(): Promise<number> {
    let n = 0
    for (let p = 0; p < OUTBOX_PAGES; p++) {
        const text = await readSetting("op" + p)
        if (typeof text === "string" && text !== "") n += pageRecords(text).length
        await ds.delay(1)
    }
    return n
}

const ID = { stallId: "stall-1", prefix: "stalls", connector: "NACS", fw: "0.1.0" }

describe("outbox", () => {
    test("a day and more offline: nothing lost, everything sent once a pass, acked to empty", async () => {
        for (const kv of DEPLOYED) await writeSetting(kv[0], kv[1])
        const store = new FlashStore(deviceSettings)
        expect((await store.loadOutbox([])).length).toBe(0)
        const ctl = new StallController(ID, new StallAccounting(configFrom(undefined)), 3, [], {
            telemetryMs: 10000,
            resendMs: 30000,
            tap: false,
            maxOutbox: OUTBOX_RECORDS,
        })
        const sent: string[] = []
        const full: string[] = []
        let other = 0
        const wire = {
            publish: async (p: Publish) => {
                if (p.topic.endsWith("/session")) sent.push(JSON.parse(p.payload).sessionId)
                else if (p.topic.endsWith("/event") && p.payload.indexOf('"outbox_full"') >= 0) {
                    const e = JSON.parse(p.payload)
                    if (typeof e.record.totalMinor === "number") full.push(e.record.sessionId)
                } else if (p.topic.endsWith("/event") && p.payload.indexOf('"outbox_overflow"') >= 0) other++
                return true
            },
        }
        let t = 1000
        const now = () => t
        for (let i = 1; i <= OUTBOX_RECORDS; i++) {
            ctl.message("stalls/stall-1/cmd/authorize", '{"account":"acct-' + (100000 + i * 37) + '"}', t)
            ctl.sample(t, "B", 400000, 0)
            for (let k = 1; k <= 10; k++) ctl.sample(t + k * 1000, "C", 400000, k < 4 ? 120000 : 300000 - i)
            ctl.sample(t + 11000, "B", 400000, 0)
            ctl.sample(t + 11000 + 60000 + i, "A", 0, 0)
            t += 3600000
            await flush(ctl, store, wire, now)
            await ds.delay(1)
        }
        expect(ctl.outbox.length).toBe(OUTBOX_RECORDS)
        const inFlash = await recordsInFlash()
        console.log("offline: " + OUTBOX_RECORDS + " records held, " + inFlash + " of them in flash")
        expect(inFlash >= 48).toBe(true)
        expect(sent.length).toBe(0)

        ctl.connected(t)
        await flush(ctl, store, wire, now)
        for (let k = 0; k < OUTBOX_RECORDS && sent.length < OUTBOX_RECORDS; k++) {
            t += 1000
            ctl.tick(t)
            await flush(ctl, store, wire, now)
            await ds.delay(1)
        }
        // one pass: each record once, oldest first
        expect(sent.length).toBe(OUTBOX_RECORDS)
        for (let i = 0; i < OUTBOX_RECORDS; i++) expect(sent[i]).toBe("stall-1-3-" + (i + 1))
        // the ones flash had no room for were told, with their totals, and none dropped
        expect(full.length).toBe(OUTBOX_RECORDS - inFlash)
        expect(other).toBe(0)

        for (let i = 0; i < sent.length; i++) {
            ctl.message("stalls/stall-1/cmd/ack", '{"sessionId":"' + sent[i] + '"}', t)
            await flush(ctl, store, wire, now)
            await ds.delay(1)
        }
        expect(ctl.outbox.length).toBe(0)
        expect(await recordsInFlash()).toBe(0)
    })
})
