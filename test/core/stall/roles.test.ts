import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { NO_NAME, pickServer, type RoleView } from "../../../src/core/stall/roles"

const pick = (v: RoleView) => pickServer(v, "DC voltage", "dc_bus")
const name = fc.oneof(fc.constantFrom("dc_bus", "volt", "", NO_NAME), fc.string({ maxLength: 8 }))

describe("which server is the stall's", () => {
    test("one server of the class: it, whatever its name (no name is read)", () => {
        expect(pick({ bound: true, spareBound: false, name: null, spareName: null })).toEqual({
            pick: 0,
            problem: null,
        })
        expect(pick({ bound: false, spareBound: true, name: null, spareName: null })).toEqual({
            pick: 1,
            problem: null,
        })
    })

    test("none: a problem that says which", () => {
        expect(pick({ bound: false, spareBound: false, name: null, spareName: null })).toEqual({
            pick: -1,
            problem: "no DC voltage server",
        })
    })

    test("two, names not read yet: wait, no problem", () => {
        expect(pick({ bound: true, spareBound: true, name: "dc_bus", spareName: null })).toEqual({
            pick: -1,
            problem: null,
        })
    })

    test("two: the only one named dc_bus, else a problem naming both", () => {
        expect(pick({ bound: true, spareBound: true, name: "volt", spareName: "dc_bus" }).pick).toBe(1)
        expect(pick({ bound: true, spareBound: true, name: "volt", spareName: NO_NAME }).problem).toBe(
            '2 DC voltage servers named "volt" and (no name): the stall\'s must be the only one named dc_bus'
        )
    })

    test("property: with two servers a server is picked exactly when one alone is named dc_bus", () => {
        fc.assert(
            fc.property(name, name, (a, b) => {
                const p = pick({ bound: true, spareBound: true, name: a, spareName: b })
                const alone = (a === "dc_bus") !== (b === "dc_bus")
                expect(p.pick >= 0).toBe(alone)
                expect(p.problem === null).toBe(alone)
                if (alone) expect(p.pick).toBe(a === "dc_bus" ? 0 : 1)
            })
        )
    })
})
