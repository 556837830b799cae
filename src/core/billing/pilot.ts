/** IEC 61851 control-pilot states. */
export type PilotState = "A" | "B" | "C" | "D" | "E" | "F"

/** Pilot states as codes, in order (E and F are faults). */
export const enum Pilot {
    A = 0,
    B = 1,
    C = 2,
    D = 3,
    E = 4,
    F = 5,
}

const NAMES: PilotState[] = ["A", "B", "C", "D", "E", "F"]

/** 0..5 for "A".."F", -1 for anything else. */
export function pilotCode(p: unknown): Pilot | -1 {
    if (typeof p !== "string" || p.length !== 1) return -1
    const c = p.charCodeAt(0) - 65
    return c >= 0 && c <= 5 ? c : -1
}

export function pilotName(code: Pilot): PilotState {
    return NAMES[code]
}
