/**
 * SEMANTICS "Comparing outputs": status lines exactly; in session records every
 * integer exactly except energyWh, freeWhUsed, energyMinor and totalMinor, which
 * may differ by 1 (floating-point order of operations).
 */
const TOLERANT = ["energyWh", "freeWhUsed", "energyMinor", "totalMinor"]

function tolerant(key: string): boolean {
    for (let i = 0; i < TOLERANT.length; i++) if (TOLERANT[i] === key) return true
    return false
}

/** null when `actual` matches `expected`, else where they first differ. */
export function outputDiff(expected: any, actual: any, path: string, key: string): string | null {
    if (expected === null || typeof expected !== "object") {
        if (expected === actual) return null
        if (typeof expected === "number" && typeof actual === "number" && tolerant(key)) {
            const d = expected - actual
            if (d >= -1 && d <= 1) return null
        }
        return path + ": expected " + JSON.stringify(expected) + ", got " + JSON.stringify(actual)
    }
    if (actual === null || typeof actual !== "object" || Array.isArray(expected) !== Array.isArray(actual))
        return path + ": expected " + JSON.stringify(expected) + ", got " + JSON.stringify(actual)
    if (Array.isArray(expected)) {
        if (expected.length !== actual.length)
            return path + ": expected " + expected.length + " items, got " + actual.length
        for (let i = 0; i < expected.length; i++) {
            const d = outputDiff(expected[i], actual[i], path + "[" + i + "]", key)
            if (d) return d
        }
        return null
    }
    const ek = Object.keys(expected)
    const ak = Object.keys(actual)
    if (ek.length !== ak.length) return path + ": expected keys " + ek.join(",") + ", got " + ak.join(",")
    for (let i = 0; i < ek.length; i++) {
        const k = ek[i]
        const d = outputDiff(expected[k], actual[k], path + "." + k, k)
        if (d) return d
    }
    return null
}

/** Compares two output lists line by line. */
export function outputsDiff(expected: any[], actual: any[]): string | null {
    const n = expected.length > actual.length ? expected.length : actual.length
    for (let i = 0; i < n; i++) {
        if (i >= expected.length) return "line " + (i + 1) + ": unexpected " + JSON.stringify(actual[i])
        if (i >= actual.length) return "line " + (i + 1) + ": missing " + JSON.stringify(expected[i])
        const d = outputDiff(expected[i], actual[i], "line " + (i + 1), "")
        if (d) return d
    }
    return null
}
