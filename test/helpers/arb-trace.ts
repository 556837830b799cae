import fc from "fast-check"

/** Generated `stall-trace/1` traces that reach every state quickly. */
export const MAX_KW = 400
export const VOLTS = 400

export interface GenTrace {
    format: "stall-trace/1"
    tariff: any
    config: any
    rows: unknown[]
}

const segment = fc.record({
    pilot: fc.constantFrom("A", "B", "C", "C", "C", "D", "E", "F"),
    samples: fc.integer({ min: 1, max: 40 }),
    stepMs: fc.constantFrom(0, 500, 1000, 1000, 1000, 2000, 7000),
    kw: fc.oneof(fc.double({ min: 0, max: MAX_KW, noNaN: true }), fc.constantFrom(0, 0.5, 60, 120)),
    slopeKw: fc.double({ min: -5, max: 5, noNaN: true }),
    invalidEvery: fc.constantFrom(0, 0, 0, 3),
    event: fc.option(
        fc.oneof(
            fc.record({
                event: fc.constant("authorize"),
                account: fc.string({ minLength: 1, maxLength: 8 }),
                freeWh: fc.integer({ min: 0, max: 5000 }),
            }),
            fc.record({ event: fc.constant("reboot") }),
            fc.record({ event: fc.constant("sharing"), on: fc.boolean() }),
            fc.record({ event: fc.constant("occupancy"), percent: fc.constantFrom(0, 30, 50, 75, 100, 100) }),
            fc.record({ event: fc.constant("tariff"), price: fc.integer({ min: 0, max: 80 }) })
        ),
        { freq: 4 }
    ),
})

function tariffWith(
    periodMs: number,
    graceMs: number,
    perKwh: boolean,
    waive: boolean,
    occupancy: boolean,
    price: number
) {
    const t: any = {
        id: "GEN",
        currency: "EUR",
        mode: perKwh ? "per_kwh" : "per_minute",
        tierThresholdsKw: [60, 150],
        perMinuteMinor: [price, price * 2, price * 3],
        perKwhMinor: price,
        idlePerMinuteMinor: 35,
        idleGraceMs: graceMs,
        idleGraceMode: waive ? "waive" : "deduct",
        periodMs,
    }
    // SEMANTICS v2: idle billed from half full, x1.5 when full
    if (occupancy) {
        t.idleMinOccupancyPct = 50
        t.idleFullMultiplier = 1.5
    }
    return t
}

export const arbTrace: fc.Arbitrary<GenTrace> = fc
    .record({
        periodMs: fc.constantFrom(1000, 5000, 60000),
        graceMs: fc.constantFrom(0, 3000, 300000),
        perKwh: fc.boolean(),
        waive: fc.boolean(),
        occupancy: fc.boolean(),
        finishAfterMs: fc.constantFrom(0, 3000, 60000),
        meterFaultAfterMs: fc.constantFrom(0, 4000, 10000),
        segments: fc.array(segment, { minLength: 1, maxLength: 25 }),
    })
    .map((g) => {
        const rows: unknown[] = []
        let t = 1_000_000
        let n = 0
        for (const s of g.segments) {
            if (s.event) {
                const e = s.event as any
                if (e.event === "tariff")
                    rows.push({
                        t,
                        event: "tariff",
                        tariff: tariffWith(g.periodMs, g.graceMs, g.perKwh, g.waive, g.occupancy, e.price),
                    })
                else rows.push({ t, ...e })
            }
            for (let i = 0; i < s.samples; i++, n++) {
                t += s.stepMs
                const kw = Math.min(MAX_KW, Math.max(0, s.kw + s.slopeKw * i))
                const invalid = s.invalidEvery > 0 && n % s.invalidEvery === 0
                const amps = Math.round((kw * 1000 * 1000) / VOLTS) / 1000
                rows.push([t, s.pilot, invalid ? null : VOLTS, amps])
            }
        }
        rows.push([t + 1000, "A", VOLTS, 0]) // always end unplugged: every session gets a record
        return {
            format: "stall-trace/1" as const,
            tariff: tariffWith(g.periodMs, g.graceMs, g.perKwh, g.waive, g.occupancy, 17),
            config: { finishAfterMs: g.finishAfterMs, meterFaultAfterMs: g.meterFaultAfterMs, maxKw: MAX_KW },
            rows,
        }
    })
