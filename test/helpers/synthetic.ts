/**
 * A long, realistic-looking sample stream without any file: sessions of a car
 * ramping to 150 kW, tapering, finishing, idling past the grace and leaving.
 * One sample a second. Used by the benchmarks.
 */
export const SAMPLE_MS = 1000
const VOLTS = 400

/** Calls `each(t, pilot, volts, amps)` for `count` samples. */
export function syntheticSamples(
    count: number,
    each: (t: number, pilot: string, volts: number, amps: number) => void
): void {
    const cycle = 3600 // one visit an hour: 10 s plugged, 40 min charging, 8 min idle, gone
    for (let i = 0; i < count; i++) {
        const s = i % cycle
        const t = 1_000_000 + i * SAMPLE_MS
        if (s < 10) each(t, "B", VOLTS, 0)
        else if (s < 2410) {
            const kw = s < 130 ? (s - 10) * 1.25 : Math.max(2, 150 - (s - 130) * 0.065)
            each(t, "C", VOLTS, (kw * 1000) / VOLTS)
        } else if (s < 2890) each(t, "B", VOLTS, 0)
        else each(t, "A", VOLTS, 0)
    }
}
