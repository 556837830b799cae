import { describe, expect, test } from "vitest"
import { defaultTariff, presetTariff, PRESET_IDS, validateTariff } from "../../../src/core/billing/tariff"

const de = () => presetTariff("DE-2017")!

describe("tariff presets", () => {
    test("every preset is valid and priced from the public lists", () => {
        for (const id of PRESET_IDS) expect(validateTariff(presetTariff(id)).value, id).toEqual(presetTariff(id))
        expect(de().perMinuteMinor).toEqual([17, 34])
        expect(presetTariff("FR-2017")!.perKwhMinor).toBe(20)
        expect(presetTariff("AT-2017")!.perKwhMinor).toBe(23)
        expect(presetTariff("IT-2017")!.perKwhMinor).toBe(25)
        expect(presetTariff("V3-4TIER")!.tierThresholdsKw).toEqual([60, 100, 180])
        expect(defaultTariff().id).toBe("DE-2017")
        expect(presetTariff("XX-1")).toBeUndefined()
    })

    test("presets are fresh objects", () => {
        const a = de()
        a.perMinuteMinor[0] = 999
        expect(de().perMinuteMinor[0]).toBe(17)
    })
})

describe("validateTariff", () => {
    const bad: [string, (t: any) => void, string][] = [
        ["id with a space", (t) => (t.id = "bad id"), "id"],
        ["empty id", (t) => (t.id = ""), "id"],
        ["33-character id", (t) => (t.id = "x".repeat(33)), "id"],
        ["lower-case currency", (t) => (t.currency = "eur"), "currency"],
        ["4-letter currency", (t) => (t.currency = "EURO"), "currency"],
        ["unknown mode", (t) => (t.mode = "per_hour"), "mode"],
        ["no thresholds", (t) => ((t.tierThresholdsKw = []), (t.perMinuteMinor = [1])), "tierThresholdsKw"],
        [
            "8 thresholds",
            (t) => ((t.tierThresholdsKw = [1, 2, 3, 4, 5, 6, 7, 8]), (t.perMinuteMinor = Array(9).fill(1))),
            "tierThresholdsKw",
        ],
        [
            "descending thresholds",
            (t) => ((t.tierThresholdsKw = [100, 60]), (t.perMinuteMinor = [1, 2, 3])),
            "ascending",
        ],
        ["equal thresholds", (t) => ((t.tierThresholdsKw = [60, 60]), (t.perMinuteMinor = [1, 2, 3])), "ascending"],
        ["zero threshold", (t) => (t.tierThresholdsKw = [0]), "above 0"],
        ["infinite threshold", (t) => (t.tierThresholdsKw = [Infinity]), "finite"],
        ["too few prices", (t) => (t.perMinuteMinor = [17]), "perMinuteMinor"],
        ["negative price", (t) => (t.perMinuteMinor = [17, -34]), "perMinuteMinor"],
        ["string price", (t) => (t.perMinuteMinor = [17, "34"]), "perMinuteMinor"],
        ["NaN per kWh", (t) => (t.perKwhMinor = NaN), "perKwhMinor"],
        ["missing idle price", (t) => delete t.idlePerMinuteMinor, "idlePerMinuteMinor"],
        ["negative grace", (t) => (t.idleGraceMs = -1), "idleGraceMs"],
        ["fractional period", (t) => (t.periodMs = 60000.5), "periodMs"],
        ["short period", (t) => (t.periodMs = 999), "periodMs"],
        ["null grace mode", (t) => (t.idleGraceMode = null), "idleGraceMode"],
        ["unknown grace mode", (t) => (t.idleGraceMode = "free"), "idleGraceMode"],
    ]
    test.each(bad)("rejects %s", (_what, spoil, message) => {
        const t = de() as any
        spoil(t)
        const r = validateTariff(t).error
        expect(typeof r).toBe("string")
        expect(r).toContain(message)
    })

    test.each([null, "DE", 42, [], undefined])("rejects %j", (x) => {
        expect(validateTariff(x).error).toBe("tariff must be an object")
    })

    test("accepts fractional prices, absent grace mode (deduct) and waive", () => {
        const t = de() as any
        t.perMinuteMinor = [17.5, 34.25]
        delete t.idleGraceMode
        expect(validateTariff(t).value).toMatchObject({ perMinuteMinor: [17.5, 34.25], idleGraceMode: "deduct" })
        t.idleGraceMode = "waive"
        expect(validateTariff(t).value).toMatchObject({ idleGraceMode: "waive" })
    })

    test("returns a copy that ignores unknown fields", () => {
        const t = { ...de(), extra: 1 } as any
        const v = validateTariff(t).value as any
        expect(v.extra).toBeUndefined()
        t.tierThresholdsKw.push(500)
        expect(v.tierThresholdsKw).toEqual([60])
    })
})
