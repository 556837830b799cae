// Scenarios: cars visiting a stall (or a pair of stalls on one cabinet), turned into
// stall-trace/1 traces by a 1 Hz physics loop. Deterministic for a given seed; the
// rows go to a sink as they are made (samples as plain numbers), so a stall-year
// never sits in memory and builds no row per second.

import { readFileSync } from "node:fs"
import Ajv, { type ErrorObject } from "ajv"
import { presetTariff, validateTariff, type Tariff } from "../../src/core/billing/index"
import { VEHICLES, acceptKw, packVolts, type Vehicle } from "./vehicles"

// ---- the scenario file (sim/scenario/scenario.schema.json) -------------------------------

export type StallSide = "a" | "b"
export type TariffRef = string | Record<string, unknown>

export interface Visit {
    vehicle: string
    stall?: StallSide
    arriveMin: number
    initialSocPct: number
    targetSocPct: number
    idleMin: number
    finishBy?: "pilotB" | "lowPower"
    handshakeS?: number
    /** time-lapse demos only: shrinks the pack so a whole charge takes seconds */
    packScale?: number
    authorize?: { account: string; freeWh?: number; when?: "beforePlug" | "afterPlug"; delayS?: number }
}

export interface Fault {
    kind: "meterInvalid" | "pilot"
    pilot?: "E" | "F"
    stall?: StallSide
    atMin: number
    durationS: number
}

export interface Reboot {
    atMin: number
    outageS: number
    stall?: StallSide
}

export interface TariffChange {
    atMin: number
    tariff: TariffRef
    stall?: StallSide
}

/** The site's occupancy from this minute on, as the backend reports it to every stall. */
export interface OccupancyChange {
    atMin: number
    percent: number
}

export interface ConfigOverrides {
    minChargingKw?: number
    finishAfterMs?: number
    maxGapMs?: number
    maxKw?: number
    meterFaultAfterMs?: number
}

export interface Scenario {
    description?: string
    stall: { id?: string; powerLimitKw: number; pair?: { id?: string; combinedLimitKw: number } }
    tariff: TariffRef
    config?: ConfigOverrides
    visits: Visit[]
    faults?: Fault[]
    reboots?: Reboot[]
    tariffChanges?: TariffChange[]
    occupancy?: OccupancyChange[]
    meterNoisePct?: number
    days?: number
    durationMin?: number
}

// ---- the trace (SEMANTICS stall-trace/1) -----------------------------------------

export type Pilot = "A" | "B" | "C" | "D" | "E" | "F"
export type SampleRow = [t: number, pilot: Pilot, volts: number | null, amps: number | null]
export type EventRow =
    | { t: number; event: "authorize"; account: string; freeWh?: number }
    | { t: number; event: "tariff"; tariff: Tariff }
    | { t: number; event: "reboot" }
    | { t: number; event: "sharing"; on: boolean }
    | { t: number; event: "occupancy"; percent: number }
export type Row = SampleRow | EventRow

export interface TraceHeader {
    format: "stall-trace/1"
    tariff: Tariff
    config?: ConfigOverrides
}

export interface Trace extends TraceHeader {
    rows: Row[]
}

export interface SimOptions {
    seed: number
    /** overrides the scenario's days */
    days?: number
    /** simulate every day even where a recorded day would replay exactly (tests compare the two) */
    everyDay?: boolean
}

/** One row of the run, for stall `stall` (index into stallHeaders()). */
export interface StallRow {
    stall: number
    row: Row
}

/**
 * Where a run's rows go, in trace order (the rows of one second stall by stall).
 * A sample comes as its four values, so the hot path builds no array per second;
 * null volts and amps are a failed meter read, as in a trace.
 */
export interface RowSink {
    sample(stall: number, t: number, pilot: Pilot, volts: number | null, amps: number | null): void
    event(stall: number, row: EventRow): void
}

// ---- validation ------------------------------------------------------------------

export class ScenarioError extends Error {}

const SCHEMA = JSON.parse(readFileSync(new URL("./scenario.schema.json", import.meta.url), "utf8"))
const validateSchema = new Ajv({ allErrors: true }).compile(SCHEMA)

function describeError(e: ErrorObject): string {
    const where = e.instancePath || "(root)"
    const p = e.params as Record<string, unknown>
    if (e.keyword === "enum") return `${where} must be one of: ${(p.allowedValues as unknown[]).join(", ")}`
    if (e.keyword === "additionalProperties") return `${where} has unknown property "${p.additionalProperty}"`
    return `${where} ${e.message}`
}

/** Checks a parsed scenario file; throws a ScenarioError listing every problem. */
export function parseScenario(json: unknown): Scenario {
    if (!validateSchema(json)) {
        // "if/then/else" adds a summary error on top of the real ones
        const errors = (validateSchema.errors ?? []).filter((e) => e.keyword !== "if")
        throw new ScenarioError(`invalid scenario: ${errors.map(describeError).join("; ")}`)
    }
    const sc = json as unknown as Scenario
    const problems: string[] = []
    const days = sc.days ?? 1
    sc.visits.forEach((v, i) => {
        if (v.targetSocPct <= v.initialSocPct) problems.push(`/visits/${i} targetSocPct must be above initialSocPct`)
        if (v.stall === "b" && !sc.stall.pair) problems.push(`/visits/${i} uses stall b but the stall has no pair`)
        if (days > 1 && v.arriveMin >= 1440)
            problems.push(`/visits/${i} arriveMin must be within the day (< 1440) when days > 1`)
    })
    const windows: [string, { atMin: number; stall?: StallSide }, number][] = [
        ...(sc.faults ?? []).map((f, i) => [`/faults/${i}`, f, f.durationS] as [string, Fault, number]),
        ...(sc.reboots ?? []).map((r, i) => [`/reboots/${i}`, r, r.outageS] as [string, Reboot, number]),
        ...(sc.tariffChanges ?? []).map((c, i) => [`/tariffChanges/${i}`, c, 0] as [string, TariffChange, number]),
        ...(sc.occupancy ?? []).map((c, i) => [`/occupancy/${i}`, c, 0] as [string, OccupancyChange, number]),
    ]
    for (const [where, w, durationS] of windows) {
        if (w.stall === "b" && !sc.stall.pair) problems.push(`${where} uses stall b but the stall has no pair`)
        if (days > 1 && w.atMin * 60 + durationS > 86_400)
            problems.push(`${where} must end within the day when days > 1`)
    }
    const tariffs: [string, TariffRef][] = [
        ["/tariff", sc.tariff],
        ...(sc.tariffChanges ?? []).map((c, i) => [`/tariffChanges/${i}/tariff`, c.tariff] as [string, TariffRef]),
    ]
    for (const [where, ref] of tariffs) {
        const t = resolveTariff(ref)
        if (typeof t === "string") problems.push(`${where} ${t}`)
    }
    if (problems.length) throw new ScenarioError(`invalid scenario: ${problems.join("; ")}`)
    return sc
}

function resolveTariff(ref: TariffRef): Tariff | string {
    if (typeof ref === "string") return presetTariff(ref) ?? `unknown tariff preset "${ref}"`
    const t = validateTariff(ref)
    return t.error ?? t.value
}

function tariffOf(ref: TariffRef): Tariff {
    const t = resolveTariff(ref)
    if (typeof t === "string") throw new ScenarioError(`invalid scenario: ${t}`)
    return t
}

// ---- conversion ------------------------------------------------------------------

export const STEP_MS = 1000
const DAY_MS = 86_400_000
/** samples of an empty stall after the last car leaves */
const TAIL_MS = 5000
/** chargers ramp up over tens of seconds rather than jumping to full power */
const RAMP_KW_PER_S = 10
/** what a full car keeps drawing with finishBy "lowPower": below the default 1 kW */
const TRICKLE_KW = 0.3
const DEFAULT_HANDSHAKE_S = 10
const DEFAULT_AUTHORIZE_DELAY_S = 30

export function stallIds(sc: Scenario): string[] {
    const ids = [sc.stall.id ?? "1A"]
    if (sc.stall.pair) ids.push(sc.stall.pair.id ?? "1B")
    return ids
}

export function stallHeaders(sc: Scenario): { stallId: string; header: TraceHeader }[] {
    return stallIds(sc).map((stallId) => ({
        stallId,
        header: {
            format: "stall-trace/1",
            tariff: tariffOf(sc.tariff),
            ...(sc.config ? { config: { ...sc.config } } : {}),
        },
    }))
}

export function runDays(sc: Scenario, opts: SimOptions): number {
    return opts.days ?? sc.days ?? 1
}

/** Samples per stall when the length is known in advance (days > 1 or durationMin), for progress. */
export function expectedSamples(sc: Scenario, opts: SimOptions): number | undefined {
    const days = runDays(sc, opts)
    if (days > 1) return (days * DAY_MS) / STEP_MS
    if (sc.durationMin !== undefined) return toStepMs(sc.durationMin * 60) / STEP_MS + 1
    return undefined
}

/** The whole run in memory: one trace per stall. */
export function scenarioToTraces(sc: Scenario, opts: SimOptions): { stallId: string; trace: Trace }[] {
    const traces = stallHeaders(sc).map(({ stallId, header }) => ({ stallId, trace: { ...header, rows: [] as Row[] } }))
    for (const { stall, row } of scenarioRows(sc, opts)) traces[stall].trace.rows.push(row)
    return traces
}

/** The whole run into `sink`, one call per row: the stall-year path. */
export function playScenario(sc: Scenario, opts: SimOptions, sink: RowSink): void {
    const sim = new Simulation(sc, opts)
    while (sim.step(sink));
}

/** The run as a lazy stream of rows; rows of the same second come stall by stall. */
export function* scenarioRows(sc: Scenario, opts: SimOptions): Generator<StallRow> {
    const sim = new Simulation(sc, opts)
    const out: StallRow[] = []
    const collect: RowSink = {
        sample: (stall, t, pilot, volts, amps) => out.push({ stall, row: [t, pilot, volts, amps] }),
        event: (stall, row) => out.push({ stall, row }),
    }
    while (sim.step(collect)) {
        yield* out
        out.length = 0
    }
}

const MULBERRY_STEP = 0x6d2b79f5

/**
 * Small, fast, seedable PRNG (mulberry32): uniform in [0, 1). Its state is a counter
 * that each draw moves by one step, so skipping draws costs one addition.
 */
export class Mulberry32 {
    // int32 rather than uint32 (the same bits): a small integer, no heap number per draw
    private a: number

    constructor(seed: number) {
        this.a = seed | 0
    }

    next(): number {
        let z = (this.a = (this.a + MULBERRY_STEP) | 0)
        z = Math.imul(z ^ (z >>> 15), z | 1)
        z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
        return ((z ^ (z >>> 14)) >>> 0) / 4294967296
    }

    /** As if next() were called `draws` times. */
    skip(draws: number): void {
        this.a = (this.a + Math.imul(draws, MULBERRY_STEP)) | 0
    }
}

export function mulberry32(seed: number): () => number {
    const rng = new Mulberry32(seed)
    return () => rng.next()
}

/** Meter resolution: integer mV and mA (the firmware quantizes identically). */
export function quantize(x: number): number {
    return mathRound(x * 1000) / 1000
}

/**
 * Math.round without its branch on the fraction, which noisy readings mispredict half the
 * time (about 0.4 s of a stall-year here). floor(y + 0.5) equals it from 0.5 up to 2^52: there
 * y + 0.5 is exact, or rounds only where floor cannot tell; elsewhere Math.round itself.
 */
function mathRound(y: number): number {
    return y >= 0.5 && y < 4503599627370496 ? Math.floor(y + 0.5) : Math.round(y)
}

/**
 * Splits a paired cabinet: each stall gets what it asks for when the sum fits,
 * else at least half, with what one car cannot take going to the other.
 */
export function sharePair(aKw: number, bKw: number, combinedKw: number): [number, number] {
    if (aKw + bKw <= combinedKw) return [aKw, bKw]
    const a = Math.min(aKw, Math.max(combinedKw / 2, combinedKw - bKw))
    return [a, Math.min(bKw, combinedKw - a)]
}

function toStepMs(seconds: number): number {
    return Math.round(seconds) * STEP_MS
}

interface Window {
    fromMs: number
    toMs: number
}

interface Car {
    vehicle: Vehicle
    visit: Visit
    capacityWh: number
    socPct: number
    requestFromMs: number
    rampKw: number
    /** set when the target SoC is reached */
    leaveAtMs?: number
}

interface Arrival {
    atMs: number
    visit: Visit
}

const sideIndex = (side: StallSide | undefined): number => (side === "b" ? 1 : 0)

class StallSim {
    car: Car | null = null
    /** this second's pilot and requested power, set by Simulation.step */
    pilot: Pilot = "A"
    kw = 0
    private next = 0
    readonly events: EventRow[] = []
    constructor(
        readonly limitKw: number,
        /** arrivals of the run, the same visits each day */
        private readonly arrivals: Arrival[],
        private readonly arrivalsPerDay: number,
        readonly meterWindows: Window[],
        readonly pilotWindows: (Window & { pilot: Pilot })[],
        readonly outages: Window[],
        readonly tariffChanges: { atMs: number; tariff: Tariff }[],
        readonly occupancyChanges: { atMs: number; percent: number }[]
    ) {}

    get idle(): boolean {
        return this.car === null && this.next >= this.arrivals.length
    }

    /** At midnight of `day`: no car, nothing pending, and none of the day's visits begun. */
    clearAt(day: number): boolean {
        return this.car === null && this.events.length === 0 && this.next === day * this.arrivalsPerDay
    }

    /** A replayed day took in (and saw off) that day's visits. */
    skipDay(): void {
        this.next += this.arrivalsPerDay
    }

    /** Unplugs a car whose stay is over, or plugs the next one in (never both in one second). */
    arriveOrLeave(t: number): void {
        if (this.car) {
            if (this.car.leaveAtMs !== undefined && t >= this.car.leaveAtMs) this.car = null
            return
        }
        const a = this.arrivals[this.next]
        if (!a || a.atMs > t) return
        this.next++
        const v = a.visit
        const auth = v.authorize
        const afterPlug = auth?.when === "afterPlug"
        const authorizeAtMs = afterPlug ? t + toStepMs(auth.delayS ?? DEFAULT_AUTHORIZE_DELAY_S) : t
        if (auth)
            this.events.push({
                t: authorizeAtMs,
                event: "authorize",
                account: auth.account,
                ...(auth.freeWh !== undefined ? { freeWh: auth.freeWh } : {}),
            })
        const vehicle = VEHICLES[v.vehicle]
        this.car = {
            vehicle,
            visit: v,
            capacityWh: vehicle.capacityWh * (v.packScale ?? 1),
            socPct: v.initialSocPct,
            requestFromMs: authorizeAtMs + toStepMs(v.handshakeS ?? DEFAULT_HANDSHAKE_S),
            rampKw: RAMP_KW_PER_S,
        }
    }
}

// loops rather than find/some: these run every simulated second
function inWindow<W extends Window>(ws: W[], tod: number): W | undefined {
    for (let i = 0; i < ws.length; i++) if (tod >= ws[i].fromMs && tod < ws[i].toMs) return ws[i]
    return undefined
}

function endsAt(ws: Window[], tod: number): boolean {
    for (let i = 0; i < ws.length; i++) if (ws[i].toMs === tod) return true
    return false
}

const PILOTS: readonly Pilot[] = ["A", "B", "C", "D", "E", "F"]
/** pilot code of a second without a sample (the controller is down) */
const NO_SAMPLE = 255
const SECONDS_PER_DAY = DAY_MS / STEP_MS

/**
 * One simulated day as numbers, before the meter noise: per second and stall the pilot
 * (NO_SAMPLE in an outage), volts and amps (NaN for a failed read), and the events.
 */
class DayRecord {
    readonly pilots: Uint8Array
    readonly volts: Float64Array
    readonly amps: Float64Array
    readonly events: { slot: number; row: EventRow }[] = []
    /** per slot for a replay: its stall, time and readings with noise */
    readonly stallOf: Uint8Array
    readonly times: Float64Array
    readonly noisyVolts: Float64Array
    readonly noisyAmps: Float64Array

    constructor(
        readonly startMs: number,
        readonly stalls: number
    ) {
        const slots = SECONDS_PER_DAY * stalls
        this.pilots = new Uint8Array(slots).fill(NO_SAMPLE)
        this.volts = new Float64Array(slots)
        this.amps = new Float64Array(slots)
        this.stallOf = new Uint8Array(slots).map((_, slot) => slot % stalls)
        this.times = new Float64Array(slots)
        this.noisyVolts = new Float64Array(slots)
        this.noisyAmps = new Float64Array(slots)
    }

    slot(t: number, stall: number): number {
        return ((t - this.startMs) / STEP_MS) * this.stalls + stall
    }
}

class Simulation {
    private readonly stalls: StallSim[]
    private readonly days: number
    private readonly endMs: number | undefined
    private readonly combinedKw: number | undefined
    private readonly noise: number
    private readonly random: Mulberry32
    private t = 0
    /** time of day in multi-day runs (t % DAY_MS kept by addition: a float modulo per second is slow), else t */
    private tod = 0
    private tailEndMs: number | undefined
    /** the pair's cabinet is splitting its power (both stalls draw) */
    private sharing = false
    private readonly everyDay: boolean
    /**
     * A day that begins and ends with every stall clear repeats exactly but for the meter
     * noise, which only draws the random numbers: it is simulated once (`recording`), and
     * each later day that begins clear replays it (`replayable`) with fresh noise.
     */
    private recording: DayRecord | undefined
    private replayable: DayRecord | undefined

    constructor(sc: Scenario, opts: SimOptions) {
        this.days = runDays(sc, opts)
        this.endMs =
            this.days > 1
                ? this.days * DAY_MS - STEP_MS
                : sc.durationMin !== undefined
                  ? toStepMs(sc.durationMin * 60)
                  : undefined
        this.combinedKw = sc.stall.pair?.combinedLimitKw
        this.noise = (sc.meterNoisePct ?? 0) / 100
        this.random = new Mulberry32(opts.seed)
        this.everyDay = opts.everyDay ?? false
        const ms = (min: number) => toStepMs(min * 60)
        this.stalls = stallIds(sc).map((_, i) => {
            const mine = <T extends { stall?: StallSide }>(xs: T[] | undefined, everyStallByDefault = false) =>
                (xs ?? []).filter((x) => (x.stall === undefined && everyStallByDefault) || sideIndex(x.stall) === i)
            const dayVisits = mine(sc.visits).sort((a, b) => a.arriveMin - b.arriveMin)
            const arrivals: Arrival[] = []
            for (let d = 0; d < this.days; d++)
                for (const visit of dayVisits) arrivals.push({ atMs: d * DAY_MS + ms(visit.arriveMin), visit })
            const faults = mine(sc.faults)
            const window = (f: { atMin: number }, durationS: number) => ({
                fromMs: ms(f.atMin),
                toMs: ms(f.atMin) + toStepMs(durationS),
            })
            return new StallSim(
                sc.stall.powerLimitKw,
                arrivals,
                dayVisits.length,
                faults.filter((f) => f.kind === "meterInvalid").map((f) => window(f, f.durationS)),
                faults
                    .filter((f) => f.kind === "pilot")
                    .map((f) => ({ ...window(f, f.durationS), pilot: f.pilot ?? "F" })),
                mine(sc.reboots, true).map((r) => window(r, r.outageS)),
                mine(sc.tariffChanges, true).map((c) => ({ atMs: ms(c.atMin), tariff: tariffOf(c.tariff) })),
                (sc.occupancy ?? []).map((c) => ({ atMs: ms(c.atMin), percent: c.percent }))
            )
        })
    }

    /** Hands the rows of the next second to `sink`; false when the run is over. */
    step(sink: RowSink): boolean {
        const t = this.t
        if (this.endMs !== undefined ? t > this.endMs : this.tailEndMs !== undefined && t > this.tailEndMs) return false
        // faults, reboots and tariff changes repeat daily only in multi-day runs
        const tod = this.tod
        const stalls = this.stalls
        if (tod === 0 && this.days > 1 && !this.everyDay && this.atMidnight(sink)) return true
        for (let i = 0; i < stalls.length; i++) stalls[i].arriveOrLeave(t)
        for (let i = 0; i < stalls.length; i++) stalls[i].pilot = this.pilotOf(stalls[i], t, tod)
        for (let i = 0; i < stalls.length; i++) stalls[i].kw = this.requestKw(stalls[i], stalls[i].pilot)
        if (this.combinedKw !== undefined) {
            ;[stalls[0].kw, stalls[1].kw] = sharePair(stalls[0].kw, stalls[1].kw, this.combinedKw)
            // the cabinet shares while both stalls draw: each stall's billing hears it
            const sharing = stalls[0].kw > 0 && stalls[1].kw > 0
            if (sharing !== this.sharing) {
                this.sharing = sharing
                for (const s of stalls) s.events.push({ t, event: "sharing", on: sharing })
            }
        }
        let idle = true
        for (let i = 0; i < stalls.length; i++) {
            const s = stalls[i]
            for (const c of s.tariffChanges) if (c.atMs === tod) s.events.push({ t, event: "tariff", tariff: c.tariff })
            for (const c of s.occupancyChanges)
                if (c.atMs === tod) s.events.push({ t, event: "occupancy", percent: c.percent })
            if (endsAt(s.outages, tod)) s.events.push({ t, event: "reboot" })
            // an authorization after plug waits in events until its time comes
            if (s.events.length > 0) {
                let kept = 0
                for (const row of s.events) {
                    if (row.t <= t) this.event(sink, i, row)
                    else s.events[kept++] = row
                }
                s.events.length = kept
            }
            const down = inWindow(s.outages, tod) !== undefined
            if (!down) this.sample(sink, i, s, t, tod)
            this.advance(s, s.kw, t)
            idle = idle && s.idle && !down
        }
        // the tail starts once every stall is empty and its controller is up
        if (this.tailEndMs === undefined && idle) this.tailEndMs = t + TAIL_MS
        this.t += STEP_MS
        this.tod = this.days > 1 && tod + STEP_MS === DAY_MS ? 0 : tod + STEP_MS
        return true
    }

    /**
     * At midnight of a multi-day run: closes the day being recorded (kept if it ended clear),
     * then replays a whole day if one is kept and this one begins clear, or starts
     * recording. True when the day was replayed.
     */
    private atMidnight(sink: RowSink): boolean {
        const day = this.t / DAY_MS
        const clear = this.stalls.every((s) => s.clearAt(day))
        if (this.recording) {
            if (clear) this.replayable = this.recording
            this.recording = undefined
        }
        if (!clear) return false
        if (!this.replayable) {
            this.recording = new DayRecord(this.t, this.stalls.length)
            return false
        }
        this.replay(sink, this.replayable)
        for (const s of this.stalls) s.skipDay()
        this.t += DAY_MS
        return true
    }

    /** The recorded day again at this.t, with fresh noise: its samples between its events. */
    private replay(sink: RowSink, day: DayRecord): void {
        for (let slot = 0; slot < day.times.length; slot++)
            day.times[slot] = this.t + Math.floor(slot / day.stalls) * STEP_MS
        this.addNoise(day)
        const offsetMs = this.t - day.startMs
        let from = 0
        for (const { slot, row } of day.events) {
            this.replaySamples(sink, day, from, slot)
            from = slot
            sink.event(day.stallOf[slot], { ...row, t: row.t + offsetMs })
        }
        this.replaySamples(sink, day, from, day.times.length)
    }

    /**
     * The hot loop of a stall-year. Nothing in it computes with t, which passes 2^31 ms in the
     * 25th day: its optimised code would then be thrown away and compiled again, inlining the
     * core or not as the race with the core's own recompilation falls (up to 40 % slower).
     */
    private replaySamples(sink: RowSink, day: DayRecord, from: number, to: number): void {
        for (let slot = from; slot < to; slot++) {
            const pilot = day.pilots[slot]
            if (pilot === NO_SAMPLE) continue
            // one call site: whatever the JIT inlines into it, it inlines once
            const valid = day.volts[slot] === day.volts[slot]
            const volts = valid ? day.noisyVolts[slot] : null
            sink.sample(day.stallOf[slot], day.times[slot], PILOTS[pilot], volts, valid ? day.noisyAmps[slot] : null)
        }
    }

    /**
     * The noise of a replayed day, drawn in the order `reading` draws it, in a loop of its own:
     * there the draws and the rounding are inlined, which they are not beside the sink's calls.
     */
    private addNoise(day: DayRecord): void {
        for (let slot = 0; slot < day.pilots.length; slot++) {
            const volts = day.volts[slot]
            if (day.pilots[slot] === NO_SAMPLE || volts !== volts) continue
            day.noisyVolts[slot] = this.noisy(volts)
            day.noisyAmps[slot] = this.noisy(day.amps[slot])
        }
    }

    private event(sink: RowSink, i: number, row: EventRow): void {
        this.recording?.events.push({ slot: this.recording.slot(this.t, i), row })
        sink.event(i, row)
    }

    private pilotOf(s: StallSim, t: number, tod: number): Pilot {
        const fault = inWindow(s.pilotWindows, tod)
        if (fault) return fault.pilot
        const car = s.car
        if (!car) return "A"
        if (t < car.requestFromMs) return "B"
        if (car.leaveAtMs === undefined) return "C"
        return car.visit.finishBy === "lowPower" ? "C" : "B"
    }

    private requestKw(s: StallSim, pilot: Pilot): number {
        const car = s.car
        if (!car || pilot !== "C") {
            // a fault or a pause restarts the ramp
            if (car) car.rampKw = RAMP_KW_PER_S
            return 0
        }
        if (car.leaveAtMs !== undefined) return TRICKLE_KW
        return Math.min(acceptKw(car.vehicle, car.socPct), s.limitKw, car.rampKw)
    }

    private sample(sink: RowSink, i: number, s: StallSim, t: number, tod: number): void {
        const car = s.car
        const volts = inWindow(s.meterWindows, tod) ? NaN : car ? packVolts(car.vehicle, car.socPct) : 0
        const amps = volts > 0 ? (s.kw * 1000) / volts : 0
        const day = this.recording
        if (day) {
            const slot = day.slot(t, i)
            day.pilots[slot] = s.pilot.charCodeAt(0) - 65
            day.volts[slot] = volts
            day.amps[slot] = amps
        }
        this.reading(sink, i, t, s.pilot, volts, amps)
    }

    /** A meter reading with its noise (volts draw first, then amps); NaN volts is a failed read, null in the trace. */
    private reading(sink: RowSink, i: number, t: number, pilot: Pilot, volts: number, amps: number): void {
        if (volts !== volts) return sink.sample(i, t, pilot, null, null)
        const noisyVolts = this.noisy(volts)
        sink.sample(i, t, pilot, noisyVolts, this.noisy(amps))
    }

    /** x with the meter noise (one draw), quantized. */
    private noisy(x: number): number {
        if (this.noise === 0) return quantize(x)
        // 0 stays 0 (the jitter is > 0): its draw is skipped rather than hashed, multiplied and rounded
        if (x === 0) {
            this.random.skip(1)
            return 0
        }
        return quantize(x * (1 + this.noise * (2 * this.random.next() - 1)))
    }

    /** One second of charging at `kw`. */
    private advance(s: StallSim, kw: number, t: number): void {
        const car = s.car
        if (!car) return
        car.socPct = Math.min(100, car.socPct + ((kw * 1000) / 3600 / car.capacityWh) * 100)
        if (kw > 0) car.rampKw += RAMP_KW_PER_S
        if (car.leaveAtMs === undefined && car.socPct >= car.visit.targetSocPct)
            car.leaveAtMs = t + STEP_MS + toStepMs(car.visit.idleMin * 60)
    }
}
