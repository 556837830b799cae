// Latency summaries for load reports: nearest-rank percentiles, so every figure is a
// value that was actually measured (no interpolation between two samples).

export interface Stats {
    count: number
    /** null when nothing was measured */
    p50: number | null
    p95: number | null
    p99: number | null
    max: number | null
}

/** Nearest-rank percentile of ascending `sorted`: the smallest value with at least p % at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
    if (sorted.length === 0) return null
    if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`)
    const rank = Math.ceil((p / 100) * sorted.length)
    return sorted[rank - 1]
}

/** Sorts a copy; values are rounded to `digits` decimals in the result. */
export function summarize(values: readonly number[], digits = 2): Stats {
    const arr = [...values].sort((a, b) => a - b)
    const round = (x: number | null) => (x === null ? null : Number(x.toFixed(digits)))
    return {
        count: arr.length,
        p50: round(percentile(arr, 50)),
        p95: round(percentile(arr, 95)),
        p99: round(percentile(arr, 99)),
        max: round(arr.length ? arr[arr.length - 1] : null),
    }
}
