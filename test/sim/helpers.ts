import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { configFrom, StallAccounting } from "../../src/core/billing/index"
import {
    commandTopic,
    FIRMWARE_VERSION,
    StallController,
    type Publish,
    type StallIdentity,
} from "../../src/core/stall/index"
import { parseScenario, type Scenario, type Trace } from "../../sim/scenario/scenario"

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

/** The stall of stallTraffic. */
export const STALL: StallIdentity = { stallId: "S1", prefix: "stalls", connector: "CCS2", fw: FIRMWARE_VERSION }

/** What a stall publishes for a trace, as the fleet's stalls do (the core's controller, every write ok). */
export function stallTraffic(trace: Trace, opts: { tap: boolean; telemetryMs: number }): Publish[] {
    const ctl = new StallController(STALL, new StallAccounting(configFrom(trace.config), trace.tariff), 1, [], {
        telemetryMs: opts.telemetryMs,
        resendMs: 30_000,
        tap: opts.tap,
        maxOutbox: 64,
    })
    const out: Publish[] = []
    const flush = (t: number) => {
        const d = ctl.due()
        ctl.saved(d, d.outbox ? { ok: true, unsaved: [] } : null, true, t)
        out.push(...d.publish)
    }
    ctl.boot(0, "boot 1", false)
    ctl.connected(0)
    flush(0)
    const milli = (x: number | null) => (x === null ? null : Math.round(x * 1000))
    for (const r of trace.rows) {
        if (Array.isArray(r)) {
            ctl.sample(r[0], r[1], milli(r[2]), milli(r[3]))
            ctl.tick(r[0])
            flush(r[0])
        } else if (r.event === "authorize") {
            const topic = commandTopic(STALL.prefix, STALL.stallId, "authorize")
            const payload = JSON.stringify({ account: r.account })
            out.push({ topic, payload, qos: 1, retain: false })
            ctl.message(topic, payload, r.t)
            flush(r.t)
        }
    }
    return out
}
