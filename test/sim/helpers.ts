import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { parseScenario, type Scenario } from "../../sim/scenario/scenario"

export const SCENARIO_DIR = join(__dirname, "../../sim/scenarios")

export function scenarioFiles(): string[] {
    return readdirSync(SCENARIO_DIR)
        .filter((f) => f.endsWith(".json"))
        .sort()
}

export function readJson(name: string): unknown {
    return JSON.parse(readFileSync(join(SCENARIO_DIR, name), "utf8"))
}

export function loadShipped(name: string): Scenario {
    return parseScenario(readJson(name))
}

/** Samples of one trace as [t, pilot, volts, amps] tuples, events dropped. */
export function sampleRows(rows: readonly unknown[]): [number, string, number | null, number | null][] {
    return rows.filter((r): r is [number, string, number | null, number | null] => Array.isArray(r))
}
