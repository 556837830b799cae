// Realistic session records for the flash budget: a 30-minute DE session per hour of a day.
import { StallAccounting } from "../../src/core/billing/accounting"
import { configFrom } from "../../src/core/billing/config"
import { sessionMessage, type SessionMessage } from "../../src/core/stall/messages"
import type { SessionRecord } from "../../src/core/billing/session"

export const STALL_ID = "stall-1"
const ID = { stallId: STALL_ID, prefix: "stalls", connector: "NACS", fw: "0.1.0" }
export const EPOCH = 1_800_000_000_000

/** `n` closed sessions of one lineage, accounts like "acct-000123" (11 characters). */
export function dayOfRecords(n: number, lineage = 3): SessionMessage[] {
    const a = new StallAccounting(configFrom(undefined))
    const out: SessionMessage[] = []
    let t = 5_000_000
    for (let i = 1; i <= n; i++) {
        a.authorize("acct-" + String(100000 + i * 37).slice(1), i % 3 === 0 ? 0 : 20000)
        a.sample(t, "B", 400, 0)
        for (let k = 1; k <= 30; k++) a.sample(t + k * 60_000, "C", 400, k < 10 ? 120 : 300 - i)
        a.sample(t + 31 * 60_000, "B", 400, 0)
        a.sample(t + 38 * 60_000 + 1234, "A", 0, 0)
        const rec = a.take().find((o) => o.type === "session") as SessionRecord
        const id = `${STALL_ID}-${lineage}-${rec.sessionSeq}`
        out.push(sessionMessage(ID, rec, id, rec.pluggedAtMs + EPOCH, rec.unpluggedAtMs + EPOCH))
        t += 3_600_000
    }
    return out
}
