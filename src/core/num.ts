// Number helpers that behave the same in Node and in the DeviceScript VM
// (which has no Number.* statics).

export function isFiniteNumber(x: unknown): x is number {
    // Infinity - Infinity and NaN - NaN are NaN, so this rejects both
    return typeof x === "number" && x - x === 0
}

export function isInteger(x: unknown): x is number {
    return isFiniteNumber(x) && Math.floor(x) === x
}

/** SEMANTICS: round-half-up(x) = floor(x + 0.5) on doubles. */
export function roundHalfUp(x: number): number {
    return Math.floor(x + 0.5)
}
