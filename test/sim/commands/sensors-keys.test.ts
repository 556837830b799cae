import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { presetTariff } from "../../../src/core/billing/index"
import {
    initialInputs,
    KEYS_HELP,
    maxKw,
    pressKey,
    statusLine,
    tierHint,
    type KeyLimits,
    type StallInputs,
} from "../../../sim/commands/sensors-keys"

const LIMITS: KeyLimits = { busVolts: 400, maxAmps: 1000 }
const DE = presetTariff("DE-2017")!

/** The state after typing `keys`, stopping at a quit; every outcome along the way. */
function type(keys: string, limits = LIMITS): { state: StallInputs; kinds: string[] } {
    let state = initialInputs(limits)
    const kinds: string[] = []
    for (const key of keys) {
        const o = pressKey(state, key, limits)
        kinds.push(o.kind)
        if (o.kind === "quit") break
        if (o.kind === "changed") state = o.inputs
    }
    return { state, kinds }
}

describe("sim sensors keys", () => {
    it("plug, charge at 70 kW, finish, unplug", () => {
        expect(type("b").state).toMatchObject({ pilot: "B", volts: 400, amps: 0 })
        expect(type("b7c").state).toMatchObject({ pilot: "C", volts: 400, amps: 175, powerKw: 70 })
        expect(type("b7cb").state).toMatchObject({ pilot: "B", volts: 400, amps: 0, powerKw: 70 })
        expect(type("b7cba").state).toMatchObject({ pilot: "A", volts: 0, amps: 0 })
    })

    it("+ and - change the power, and the current while charging", () => {
        expect(type("bc").state.amps).toBe(125) // 50 kW at 400 V
        expect(type("bc+").state).toMatchObject({ powerKw: 60, amps: 150 })
        expect(type("bc=").state).toMatchObject({ powerKw: 60, amps: 150 })
        expect(type("bc--").state).toMatchObject({ powerKw: 30, amps: 75 })
        expect(type("b+").state).toMatchObject({ powerKw: 60, amps: 0 }) // set, not served until c
        expect(type("bc0-").state).toMatchObject({ powerKw: 0, amps: 0 })
    })

    it("stops at the current sensor's full scale", () => {
        const limits = { busVolts: 400, maxAmps: 500 } // 200 kW
        expect(maxKw(limits)).toBe(200)
        expect(type("bc" + "+".repeat(30), limits).state).toMatchObject({ powerKw: 200, amps: 500 })
    })

    it("pilot faults stop the current; d charges like c", () => {
        expect(type("bce").state).toMatchObject({ pilot: "E", volts: 400, amps: 0 })
        expect(type("bcf").state).toMatchObject({ pilot: "F", amps: 0 })
        expect(type("bd").state).toMatchObject({ pilot: "D", amps: 125 })
    })

    it("s and n toggle the meter's failure, one at a time", () => {
        expect(type("s").state.meter).toBe("silent")
        expect(type("ss").state.meter).toBe("ok")
        expect(type("sn").state.meter).toBe("nan")
        expect(type("nn").state.meter).toBe("ok")
    })

    it("whitespace is ignored, q, Ctrl-C and Ctrl-D quit, h and ? help, anything else is unknown", () => {
        expect(type("b\n \r\t").kinds).toEqual(["changed", "ignored", "ignored", "ignored", "ignored"])
        for (const quit of ["q", "\x03", "\x04"]) expect(type("b" + quit + "c").kinds).toEqual(["changed", "quit"])
        expect(type("h?zé").kinds).toEqual(["help", "help", "unknown", "unknown"])
    })

    it("no key sequence serves a current that is NaN, negative, beyond full scale, or without C/D", () => {
        const key = fc.constantFrom(..."abcdef+-=0123456789snh?zq\n ".split(""))
        const limits = fc.record({
            busVolts: fc.double({ min: 1, max: 1500, noNaN: true }),
            maxAmps: fc.double({ min: -100, max: 3000, noNaN: true }),
        })
        fc.assert(
            fc.property(fc.array(key, { maxLength: 60 }), limits, (keys, lim) => {
                const s = type(keys.join(""), lim).state
                expect(["A", "B", "C", "D", "E", "F"]).toContain(s.pilot)
                expect(Number.isFinite(s.amps) && s.amps >= 0).toBe(true)
                // relative rounding, and 1 nA absolute for a full scale in the subnormals
                expect(s.amps).toBeLessThanOrEqual(Math.max(0, lim.maxAmps) * (1 + 1e-12) + 1e-9)
                expect(s.powerKw >= 0 && s.powerKw <= maxKw(lim)).toBe(true)
                if (s.amps > 0) expect(["C", "D"]).toContain(s.pilot)
                if (s.pilot === "A") expect(s.volts).toBe(0)
                expect(statusLine({ ...s, meter: "ok" }, DE)).not.toMatch(/NaN|undefined|Infinity/)
            })
        )
    })

    it("the status line says the pilot, V, A, kW and the tier", () => {
        expect(statusLine(type("").state, DE)).toBe(
            "pilot A · 0 V · 0.0 A · 0 kW · c charges at 50 kW: tier 1 of 2 (≤ 60 kW)"
        )
        expect(statusLine(type("b7cs").state, DE)).toBe(
            "pilot C · 400 V · 175.0 A · 70 kW · tier 2 of 2 (> 60 kW) · meter silent"
        )
        expect(statusLine(type("bcn").state, presetTariff("FR-2017")!)).toBe(
            "pilot C · 400 V · 125.0 A · 50 kW · charging · meter reads NaN"
        )
    })

    it("tiers: the boundary belongs to the lower one; the middle tiers show their range", () => {
        expect(tierHint(60, DE)).toBe("tier 1 of 2 (≤ 60 kW)")
        expect(tierHint(60.1, DE)).toBe("tier 2 of 2 (> 60 kW)")
        const v3 = presetTariff("V3-4TIER")!
        expect(tierHint(80, v3)).toBe("tier 2 of 4 (60–100 kW)")
        expect(tierHint(200, v3)).toBe("tier 4 of 4 (> 180 kW)")
        expect(tierHint(200, presetTariff("IT-2017")!)).toBeNull()
    })

    it("the help's key column names every key it handles", () => {
        const column = KEYS_HELP.map((l) => l.slice(0, 7)).join(" ")
        for (const key of "abcdef+-0123456789snh?q")
            expect(pressKey(initialInputs(LIMITS), key, LIMITS).kind).not.toBe("unknown")
        for (const key of "abcdef+-snh?q") expect(column).toContain(key)
        expect(column).toContain("0-9")
    })
})
