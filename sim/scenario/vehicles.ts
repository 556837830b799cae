// Vehicle models for the simulator: how much DC power a car accepts at a given
// state of charge, and its pack voltage. Deliberately simple (piecewise linear,
// no temperature, no losses) but shaped after public figures, cited per model, so
// that scenarios produce believable sessions and tier splits.

/** [state of charge in %, value] — x strictly ascending from 0 to 100. */
export type CurvePoint = readonly [socPct: number, value: number]

export interface ChargeTime {
    fromPct: number
    toPct: number
    minutes: number
}

export interface Vehicle {
    id: string
    name: string
    /** usable pack energy */
    capacityWh: number
    /** max DC power the car accepts, kW, by state of charge */
    acceptKw: readonly CurvePoint[]
    /** pack voltage, V, by state of charge (no load rise modelled) */
    packVolts: readonly CurvePoint[]
    /** the published figures the curve is fitted to; tests check the fit */
    published: { peakKw: number; chargeTime?: ChargeTime; source: string }
    note?: string
}

// A 400 V-class pack (96 cells in series, ~3.4–4.2 V per cell).
const PACK_400V: readonly CurvePoint[] = [
    [0, 330],
    [100, 400],
]

// An 800 V-class pack (198 cells in series).
const PACK_800V: readonly CurvePoint[] = [
    [0, 620],
    [100, 835],
]

const MODELS: readonly Vehicle[] = [
    {
        id: "tesla-model-s-85-2017",
        name: "Tesla Model S 85 (2017)",
        // 85 kWh gross, ~81.5 kWh usable.
        capacityWh: 81_500,
        // V2 Supercharger era: ~120 kW peak at low SoC, steady taper above ~30 %.
        acceptKw: [
            [0, 95],
            [5, 115],
            [10, 120],
            [25, 118],
            [40, 95],
            [50, 80],
            [60, 66],
            [70, 52],
            [80, 38],
            [90, 22],
            [95, 12],
            [100, 3],
        ],
        packVolts: PACK_400V,
        published: {
            peakKw: 120,
            source: "Tesla Supercharger V2 rating 120 kW; owner-logged Model S 85 curves peak 115-120 kW",
        },
    },
    {
        id: "bmw-i4-edrive40",
        name: "BMW i4 eDrive40",
        capacityWh: 81_300,
        acceptKw: [
            [0, 150],
            [8, 200],
            [20, 205],
            [30, 165],
            [40, 138],
            [50, 115],
            [60, 96],
            [70, 78],
            [80, 58],
            [85, 45],
            [90, 33],
            [95, 20],
            [100, 5],
        ],
        packVolts: [
            [0, 340],
            [100, 430],
        ],
        published: {
            peakKw: 205,
            chargeTime: { fromPct: 10, toPct: 80, minutes: 31 },
            source: "BMW press kit i4 eDrive40: 80.7 kWh net, up to 205 kW DC, 10-80 % in 31 min",
        },
        note: "CCS car: on a NACS stall through an adapter",
    },
    {
        id: "mini-cooper-se",
        name: "MINI Cooper SE",
        capacityWh: 28_900,
        acceptKw: [
            [0, 42],
            [10, 49],
            [30, 46],
            [45, 42],
            [60, 38],
            [75, 33],
            [80, 30],
            [85, 24],
            [90, 15],
            [95, 8],
            [100, 2],
        ],
        packVolts: [
            [0, 300],
            [100, 390],
        ],
        published: {
            peakKw: 50,
            chargeTime: { fromPct: 0, toPct: 80, minutes: 36 },
            source: "MINI Cooper SE (F56 BEV) specs: 28.9 kWh usable, 50 kW DC, 0-80 % in 36 min",
        },
        note: "CCS car: on a NACS stall through an adapter; never above 60 kW",
    },
    {
        id: "rolls-royce-spectre",
        name: "Rolls-Royce Spectre",
        capacityWh: 102_000,
        acceptKw: [
            [0, 150],
            [5, 185],
            [10, 195],
            [30, 185],
            [40, 160],
            [50, 135],
            [60, 115],
            [70, 95],
            [80, 72],
            [85, 58],
            [90, 42],
            [95, 25],
            [100, 5],
        ],
        packVolts: [
            [0, 340],
            [100, 430],
        ],
        published: {
            peakKw: 195,
            chargeTime: { fromPct: 10, toPct: 80, minutes: 34 },
            source: "Rolls-Royce Spectre technical data: 102 kWh usable, 195 kW DC, 10-80 % in 34 min",
        },
        note: "CCS car: on a NACS stall through an adapter",
    },
    {
        id: "tesla-model-3-lr",
        name: "Tesla Model 3 Long Range",
        capacityWh: 75_000,
        acceptKw: [
            [0, 180],
            [5, 240],
            [10, 250],
            [18, 250],
            [30, 190],
            [40, 160],
            [50, 130],
            [60, 105],
            [70, 80],
            [80, 55],
            [90, 30],
            [95, 18],
            [100, 5],
        ],
        packVolts: PACK_400V,
        published: {
            peakKw: 250,
            source: "Tesla Supercharger V3: up to 250 kW for Model 3 Long Range, 75 kWh usable",
        },
    },
    {
        id: "porsche-taycan-pbp",
        name: "Porsche Taycan (Performance Battery Plus)",
        capacityWh: 83_700,
        acceptKw: [
            [0, 230],
            [5, 265],
            [10, 270],
            [30, 250],
            [45, 215],
            [55, 180],
            [65, 145],
            [75, 112],
            [80, 92],
            [85, 70],
            [90, 50],
            [95, 28],
            [100, 8],
        ],
        packVolts: PACK_800V,
        published: {
            peakKw: 270,
            chargeTime: { fromPct: 5, toPct: 80, minutes: 22.5 },
            source: "Porsche Taycan (2020) data: 93.4 kWh gross / 83.7 kWh net, 270 kW peak, 5-80 % in 22.5 min",
        },
        note: "800 V car: the stall's voltage range is not modelled",
    },
]

export const VEHICLES: Readonly<Record<string, Vehicle>> = Object.fromEntries(MODELS.map((v) => [v.id, v]))

export const VEHICLE_IDS: readonly string[] = MODELS.map((v) => v.id)

/** Piecewise linear interpolation, clamped to the end points. */
export function interpolate(points: readonly CurvePoint[], x: number): number {
    if (x <= points[0][0]) return points[0][1]
    // indexed, not destructured: this runs twice per simulated second
    for (let i = 1; i < points.length; i++) {
        const x1 = points[i][0]
        if (x <= x1) {
            const x0 = points[i - 1][0]
            const y0 = points[i - 1][1]
            return y0 + ((points[i][1] - y0) * (x - x0)) / (x1 - x0)
        }
    }
    return points[points.length - 1][1]
}

export function acceptKw(v: Vehicle, socPct: number): number {
    return interpolate(v.acceptKw, socPct)
}

export function packVolts(v: Vehicle, socPct: number): number {
    return interpolate(v.packVolts, socPct)
}

/** Minutes to charge from one SoC to another with nothing but the car limiting, 1 s steps. */
export function chargeMinutes(v: Vehicle, fromPct: number, toPct: number): number {
    let soc = fromPct
    let seconds = 0
    while (soc < toPct) {
        soc += ((acceptKw(v, soc) * 1000) / 3600 / v.capacityWh) * 100
        seconds++
    }
    return seconds / 60
}
