// The seeds' own check: Paris → Rome in a 2017 Model S 85, one account, every stop
// authorized through the site backend (so the ledger hands each stall the credit that
// is left) and every record stored by it. The car and the charging are the scenario
// engine's (sim/scenario), the billing the core's (replayTrace); the backend, the
// broker and the database are real.
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import mqtt from "mqtt"
import { type SessionRecord } from "../../src/core/billing/index"
import { commandTopic, sessionMessage, stallTopic } from "../../src/core/stall/index"
import { replayTrace } from "../../src/core/trace/index"
import { startAedes } from "../live/broker"
import { parseScenario, scenarioToTraces } from "../scenario/scenario"
import { VEHICLES } from "../scenario/vehicles"
import { Backend } from "./backend"

export interface Trip {
    description?: string
    account: string
    vehicle: string
    whPerKm: number
    startSocPct: number
    reserveSocPct: number
    maxSocPct: number
    startAt: string
    legs: { km: number; to: { stallId: string; tariff: string } | null }[]
}

export interface PlannedStop {
    stallId: string
    tariff: string
    /** km driven before this stop */
    atKm: number
    arriveSocPct: number
    departSocPct: number
}

export interface StopResult extends PlannedStop {
    sessionId: string
    freeWhGranted: number
    energyWh: number
    freeWhUsed: number
    totalMinor: number
    currency: string
}

export interface TripReport {
    creditWh: number
    stops: StopResult[]
    km: number
    arriveRomeSocPct: number
    /** per tariff country (the tariff id's prefix) */
    byCountry: { country: string; sessions: number; energyWh: number; freeWhUsed: number; totalMinor: number }[]
    energyWh: number
    freeWhUsed: number
    totalMinor: number
    /** rows the backend's database holds for the trip */
    storedRows: number
}

export function loadTrip(path: string): Trip {
    const t = JSON.parse(readFileSync(path, "utf8")) as Trip
    if (!VEHICLES[t.vehicle]) throw new Error(`${path}: unknown vehicle ${t.vehicle}`)
    if (!Array.isArray(t.legs) || t.legs.length === 0 || t.legs[t.legs.length - 1].to !== null)
        throw new Error(`${path}: legs must end with the destination (to: null)`)
    return t
}

/** Where the car stops and how far it charges: what the next leg needs plus the reserve, at most maxSocPct. */
export function planTrip(t: Trip): { stops: PlannedStop[]; km: number; arriveSocPct: number } {
    const capacityWh = VEHICLES[t.vehicle].capacityWh
    const pct = (km: number) => ((km * t.whPerKm) / capacityWh) * 100
    let soc = t.startSocPct
    let km = 0
    const stops: PlannedStop[] = []
    for (let i = 0; i < t.legs.length; i++) {
        const leg = t.legs[i]
        soc -= pct(leg.km)
        km += leg.km
        if (soc < 0)
            throw new Error(
                `leg ${i + 1} (${leg.km} km) is longer than the car's range from ${(soc + pct(leg.km)).toFixed(1)} %`
            )
        if (!leg.to) break
        const need = Math.min(t.maxSocPct, pct(t.legs[i + 1].km) + t.reserveSocPct)
        const depart = Math.max(soc, need)
        stops.push({ ...leg.to, atKm: km, arriveSocPct: round1(soc), departSocPct: round1(depart) })
        soc = depart
    }
    return { stops, km, arriveSocPct: round1(soc) }
}

const round1 = (x: number) => Math.round(x * 10) / 10

/** Drives the trip through a real broker and the site backend with `creditWh` of yearly credit. */
export async function runTrip(t: Trip, creditWh: number, dbUrl?: string): Promise<TripReport> {
    const plan = planTrip(t)
    const dir = mkdtempSync(join(tmpdir(), "trip-"))
    const broker = await startAedes()
    let clock = Date.parse(t.startAt)
    const backend = await Backend.start({
        brokerUrl: broker.url,
        dbUrl: dbUrl ?? `sqlite:${join(dir, "trip.db")}`,
        creditWh,
        now: () => clock,
    })
    const car = await mqtt.connectAsync(broker.url)
    try {
        const acks: string[] = []
        car.on("message", (topic, buf) => {
            if (topic.endsWith("/ack")) acks.push(JSON.parse(buf.toString()).sessionId)
        })
        const stops: StopResult[] = []
        let drivenKm = 0
        for (const stop of plan.stops) {
            clock += Math.round(((stop.atKm - drivenKm) / 110) * 3_600_000) // motorway at ~110 km/h
            drivenKm = stop.atKm
            const id = { stallId: stop.stallId, prefix: "stalls", connector: "NACS", fw: "trip" }
            // the stall is there: its retained status, as the backend learns of any stall
            await car.publishAsync(
                stallTopic("stalls", stop.stallId, "status"),
                JSON.stringify({
                    v: 1,
                    stallId: stop.stallId,
                    state: "available",
                    connector: "NACS",
                    sessionId: null,
                    sinceMs: 0,
                    since: clock,
                    fw: "trip",
                    outbox: 0,
                }),
                { qos: 1, retain: true }
            )
            await car.subscribeAsync(commandTopic("stalls", stop.stallId, "ack"), { qos: 1 })
            await until(
                () => backend.availability.has(stop.stallId),
                () => `${stop.stallId} known`
            )
            const grant = await backend.authorize(stop.stallId, t.account)
            const rec = charge(t, stop, grant.freeWh)
            const m = sessionMessage(id, rec, `${stop.stallId}-1-1`, clock + rec.pluggedAtMs, clock + rec.unpluggedAtMs)
            await car.publishAsync(stallTopic("stalls", stop.stallId, "session"), JSON.stringify(m), { qos: 1 })
            await until(
                () => acks.includes(m.sessionId),
                () =>
                    `the ack of ${m.sessionId} (backend: ${JSON.stringify(backend.counts)}; ${backend.errors.join("; ")})`
            )
            clock += rec.unpluggedAtMs
            stops.push({
                ...stop,
                sessionId: m.sessionId,
                freeWhGranted: grant.freeWh,
                energyWh: rec.energyWh,
                freeWhUsed: rec.freeWhUsed,
                totalMinor: rec.cost.totalMinor,
                currency: rec.currency,
            })
        }
        const countries = new Map<string, TripReport["byCountry"][number]>()
        for (const s of stops) {
            const country = s.tariff.split("-")[0]
            const c = countries.get(country) ?? { country, sessions: 0, energyWh: 0, freeWhUsed: 0, totalMinor: 0 }
            c.sessions++
            c.energyWh += s.energyWh
            c.freeWhUsed += s.freeWhUsed
            c.totalMinor += s.totalMinor
            countries.set(country, c)
        }
        const sum = (f: (s: StopResult) => number) => stops.reduce((n, s) => n + f(s), 0)
        return {
            creditWh,
            stops,
            km: plan.km,
            arriveRomeSocPct: plan.arriveSocPct,
            byCountry: [...countries.values()],
            energyWh: sum((s) => s.energyWh),
            freeWhUsed: sum((s) => s.freeWhUsed),
            totalMinor: sum((s) => s.totalMinor),
            storedRows: (await backend.store.sessions({ account: t.account })).length,
        }
    } finally {
        await car.endAsync()
        await backend.stop()
        await broker.stop()
        rmSync(dir, { recursive: true, force: true })
    }
}

/** One stop's session through the scenario engine and the billing core. */
function charge(t: Trip, stop: PlannedStop, freeWh: number): SessionRecord {
    const sc = parseScenario({
        stall: { id: stop.stallId, powerLimitKw: 150 },
        tariff: stop.tariff,
        visits: [
            {
                vehicle: t.vehicle,
                arriveMin: 1,
                initialSocPct: stop.arriveSocPct,
                targetSocPct: stop.departSocPct,
                idleMin: 0,
                authorize: { account: t.account, freeWh },
            },
        ],
    })
    const [{ trace }] = scenarioToTraces(sc, { seed: 1 })
    const rec = replayTrace(trace).find((o) => o.type === "session")
    if (!rec) throw new Error(`${stop.stallId}: the session did not close`)
    return rec as SessionRecord
}

async function until(ok: () => boolean, what: () => string, ms = 10_000): Promise<void> {
    const end = Date.now() + ms
    while (!ok()) {
        if (Date.now() > end) throw new Error(`road trip: timed out waiting for ${what()}`)
        await new Promise((r) => setTimeout(r, 10))
    }
}
