// `sim trip TRIP.json`: a road trip through the site backend (sim/backend/road-trip.ts),
// with a fresh yearly credit and with none, or with --credit-wh only.
import { formatKwh, formatMoney } from "../report/summary"
import { loadTrip, runTrip, type TripReport } from "../backend/road-trip"
import { YEARLY_CREDIT_WH } from "../backend/ledger"
import { defineCommand, InputError, numberArg, processIo, runCommandLine, type CommandIo } from "./args"

export const TRIP_COMMAND = defineCommand({
    name: "trip",
    summary: "a road trip of one account across a fleet's stalls, each stop authorized and stored by the site backend",
    positionals: [{ name: "TRIP.json", description: "the trip: car, legs and stalls (sim/trips/paris-rome.json)" }],
    options: {
        "credit-wh": {
            value: "WH",
            description: "run once, with this yearly credit on the account",
            default: `twice: ${YEARLY_CREDIT_WH} (a fresh credit) and 0`,
        },
        json: { description: "print the reports as one JSON array" },
    },
    notes: [
        "Each stop: the backend reserves the credit left and authorizes the stall; the core bills the charge; the record goes through the broker into the backend's database and is acked.",
    ],
    examples: ["npm run --silent sim -- trip sim/trips/paris-rome.json"],
})

function format(r: TripReport): string {
    const lines = [
        `credit ${formatKwh(r.creditWh)}: ${r.stops.length} sessions, ${r.km} km, arriving with ${r.arriveRomeSocPct} %`,
        ...r.stops.map(
            (s) =>
                `  ${s.stallId.padEnd(15)} km ${String(s.atKm).padStart(5)}  ${String(s.arriveSocPct).padStart(5)} % → ${String(s.departSocPct).padStart(5)} %  ${formatKwh(s.energyWh).padStart(12)}  free ${formatKwh(s.freeWhUsed).padStart(12)} (granted ${formatKwh(s.freeWhGranted)})  ${formatMoney(s.totalMinor, s.currency)}`
        ),
        ...r.byCountry.map(
            (c) =>
                `  ${c.country}: ${c.sessions} sessions, ${formatKwh(c.energyWh)}, free ${formatKwh(c.freeWhUsed)}, ${formatMoney(c.totalMinor, "EUR")}`
        ),
        `  total: ${formatKwh(r.energyWh)}, credit used ${formatKwh(r.freeWhUsed)}, paid ${formatMoney(r.totalMinor, "EUR")}; ${r.storedRows} records in the backend's database`,
    ]
    return lines.join("\n")
}

export function tripCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
    return runCommandLine(TRIP_COMMAND, argv, io, async ({ values, positionals }) => {
        let trip
        try {
            trip = loadTrip(positionals[0])
        } catch (e) {
            throw new InputError((e as Error).message)
        }
        const one = numberArg("credit-wh", values["credit-wh"], 0, 10_000_000)
        const credits = one === undefined ? [YEARLY_CREDIT_WH, 0] : [one]
        const reports: TripReport[] = []
        for (const c of credits) reports.push(await runTrip(trip, c))
        io.stdout.write(values.json ? JSON.stringify(reports) + "\n" : reports.map(format).join("\n\n") + "\n")
        return reports.every((r) => r.storedRows === r.stops.length) ? 0 : 1
    })
}
