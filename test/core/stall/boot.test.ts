import { describe, expect, test } from "vitest"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import { presetTariff } from "../../../src/core/billing/tariff"
import { bootDetail, rebooted, resume } from "../../../src/core/stall/boot"

const CONFIG = configFrom({})
const DE = presetTariff("DE-2017")!

function charging(): StallAccounting {
    const a = new StallAccounting(CONFIG)
    for (let t = 0; t <= 30_000; t += 1000) a.sample(t, t === 0 ? "B" : "C", 400, 150)
    return a
}

describe("resume at boot", () => {
    test("the newest intact checkpoint resumes the accounts, its lineage and its timeline", () => {
        const a = charging()
        const older = new StallAccounting(CONFIG).checkpoint()
        const r = resume(
            CONFIG,
            DE,
            [
                { items: a.checkpoint(), lineage: 3 },
                { items: older, lineage: 2 },
            ],
            9
        )
        expect(r).toMatchObject({ lineage: 3, restored: true, refused: [], baseT: 30_000 })
        expect(r.acct.stateName()).toBe("charging")
        // resumed as after a reboot: the next sample's interval is an outage, not charging
        r.acct.sample(90_000, "C", 400, 150)
        r.acct.sample(91_000, "A", 0, 0)
        const rec = r.acct.take().find((o) => o.type === "session")!
        expect(rec).toMatchObject({ chargingMs: 30_000, faults: { outages: 1, outageMs: 60_000 } })
    })

    test("a corrupt newest checkpoint is refused with its reason, the older one resumes", () => {
        const good = charging().checkpoint()
        const bad = good.slice(0)
        bad[5] = 12345
        const r = resume(
            CONFIG,
            DE,
            [
                { items: bad, lineage: 4 },
                { items: good, lineage: 3 },
            ],
            9
        )
        expect(r.restored).toBe(true)
        expect(r.lineage).toBe(3)
        expect(r.refused).toEqual(["checkpoint: checksum mismatch"])
    })

    test("with nothing intact, fresh accounts start a lineage at this boot", () => {
        const r = resume(CONFIG, DE, [{ items: ["SC", 1], lineage: 4 }], 9)
        expect(r).toMatchObject({ lineage: 9, restored: false, baseT: 0 })
        expect(r.refused).toHaveLength(1)
        expect(r.acct.stateName()).toBe("available")
        expect(r.acct.tariff()).toEqual(DE)
    })

    test("rebooted() is checkpoint -> fresh -> restore -> reboot: the same checkpoint, the next interval an outage", () => {
        const a = charging()
        const b = rebooted(a, CONFIG)
        expect(b).not.toBe(a)
        b.sample(40_000, "A", 0, 0)
        const rec = b.take().find((o) => o.type === "session")!
        expect(rec).toMatchObject({ chargingMs: 29_000, faults: { outages: 1, outageMs: 10_000 } })
    })

    test("the boot event says what happened", () => {
        expect(bootDetail(3, true, 2)).toBe("boot 3, accounts restored, 2 records pending")
        expect(bootDetail(1, false, 0)).toBe("boot 1, fresh accounts, 0 records pending")
    })
})
