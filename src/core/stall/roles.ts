/**
 * Which server measures what. The stall has one role per quantity (bus voltage,
 * current, pilot) plus a spare voltage and current role: DeviceScript binds roles
 * to any server of their class, so a bound spare means a second meter is on the bus.
 * Then, and only then, their `measurementName`s must settle which one is the
 * stall's; if they do not, the stall faults and says why instead of guessing.
 */

/** a measurementName read gets this long; then the server counts as nameless */
export const NAME_READ_MS = 3000
/** what a server that never answered its measurementName is called */
export const NO_NAME = "(no name)"
/** the names that identify the stall's meter when a second one is on the bus */
export const BUS_VOLTS_NAME = "dc_bus"
export const CURRENT_NAME = "dc_current"

/** The two servers one quantity's roles can bind; a name is null until read. */
export interface RoleView {
    bound: boolean
    spareBound: boolean
    name: string | null
    spareName: string | null
}

/** 0: the main role's server, 1: the spare's, -1: not yet (names being read) or `problem`. */
export interface RolePick {
    pick: number
    problem: string | null
}

/** `what`: e.g. "DC voltage"; `expected`: the name of the stall's server. */
export function pickServer(v: RoleView, what: string, expected: string): RolePick {
    if (v.bound !== v.spareBound) return { pick: v.bound ? 0 : 1, problem: null }
    if (!v.bound) return { pick: -1, problem: "no " + what + " server" }
    if (v.name === null || v.spareName === null) return { pick: -1, problem: null }
    const a = v.name === expected
    const b = v.spareName === expected
    if (a !== b) return { pick: a ? 0 : 1, problem: null }
    return {
        pick: -1,
        problem:
            "2 " +
            what +
            " servers named " +
            shown(v.name) +
            " and " +
            shown(v.spareName) +
            ": the stall's must be the only one named " +
            expected,
    }
}

function shown(name: string): string {
    return name === NO_NAME ? name : '"' + name + '"'
}
