import { expect, test } from "vitest"
import { loadTrip, planTrip, runTrip } from "../../../sim/backend/road-trip"

// Paris → Rome through the site backend: the ledger hands each stop what is left.
const trip = loadTrip("sim/trips/paris-rome.json")

test("the plan reaches Rome, charging only what each next leg needs", () => {
    const p = planTrip(trip)
    expect(p.km).toBe(trip.legs.reduce((n, l) => n + l.km, 0))
    expect(p.stops.map((s) => s.stallId)).toEqual(trip.legs.filter((l) => l.to).map((l) => l.to!.stallId))
    for (const s of p.stops) {
        expect(s.arriveSocPct).toBeGreaterThanOrEqual(0)
        expect(s.departSocPct).toBeLessThanOrEqual(trip.maxSocPct)
        expect(s.departSocPct).toBeGreaterThanOrEqual(s.arriveSocPct)
    }
    expect(p.arriveSocPct).toBeGreaterThanOrEqual(trip.reserveSocPct - 0.1)
})

test("with a fresh credit every stop gets what the earlier ones left; with none the driver pays per kWh", async () => {
    const fresh = await runTrip(trip, 400_000)
    let left = 400_000
    for (const s of fresh.stops) {
        expect(s.freeWhGranted).toBe(left)
        left -= s.freeWhUsed
    }
    expect(fresh.storedRows).toBe(fresh.stops.length)
    expect(fresh.freeWhUsed).toBe(fresh.energyWh) // 400 kWh covers the whole trip
    expect(fresh.totalMinor).toBe(0)

    const none = await runTrip(trip, 0)
    expect(none.stops.every((s) => s.freeWhGranted === 0 && s.freeWhUsed === 0)).toBe(true)
    expect(none.energyWh).toBe(fresh.energyWh)
    const perKwh: Record<string, number> = { FR: 20, IT: 25 }
    for (const c of none.byCountry)
        expect(Math.abs(c.totalMinor - (c.energyWh * perKwh[c.country]) / 1000)).toBeLessThanOrEqual(c.sessions)
    expect(none.totalMinor).toBe(none.byCountry.reduce((n, c) => n + c.totalMinor, 0))
}, 60_000)
