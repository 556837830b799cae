// Serves a stall-trace/1 to a live stall in real time: sample rows become sensor
// values, authorize/tariff rows become commands, and a reboot row (after the gap in
// which the trace has no samples) a power cut; the hooks say how (`sim live`: MQTT
// and the VM, `sim sensors`: lines telling the user, or MQTT).
import { setTimeout as sleep } from "node:timers/promises"
import type { Row } from "../scenario/scenario"
import type { Sensors } from "./sensors"

/** What the player drives: the sensors' values and the meter's failure (a Sensors, or a stand-in). */
export type PlayedSensors = Pick<Sensors, "set" | "fail">

export interface PlayHooks {
    /** a command to the stall, e.g. ("authorize", {account}) */
    command(name: "authorize" | "tariff" | "sharing", body: unknown): Promise<void>
    /** the site's occupancy changes (SEMANTICS v2): the site backend's retained `{percent}` */
    occupancy(percent: number): Promise<void>
    /** the power goes off now; back on at the reboot row */
    powerOff(): Promise<void>
    powerOn(): Promise<void>
}

/** True when the trace reboots before its next sample: the gap before it is the outage. */
function rebootAhead(rows: Row[], i: number): boolean {
    for (let j = i + 1; j < rows.length; j++) {
        const r = rows[j]
        if (Array.isArray(r)) return false
        if (r.event === "reboot") return true
    }
    return false
}

export async function playTrace(
    sensors: PlayedSensors,
    rows: Row[],
    hooks: PlayHooks,
    onProgress?: (done: number) => void
): Promise<void> {
    const first = rows.find((r) => Array.isArray(r)) as [number, ...unknown[]] | undefined
    if (!first) return
    const t0 = first[0]
    const start = Date.now()
    let poweredOff = false
    for (let i = 0; i < rows.length; i++) {
        const row = rows[i]
        const wait = start + (Array.isArray(row) ? row[0] : row.t) - t0 - Date.now()
        if (wait > 0) await sleep(wait)
        if (Array.isArray(row)) {
            const [, pilot, volts, amps] = row
            const readable = volts !== null && amps !== null
            sensors.fail(!readable, "nan")
            sensors.set({ pilot, volts: volts ?? 0, amps: amps ?? 0 })
            if (rebootAhead(rows, i)) {
                await hooks.powerOff()
                poweredOff = true
            }
        } else if (row.event === "reboot") {
            if (poweredOff) await hooks.powerOn()
            poweredOff = false
        } else if (row.event === "authorize")
            await hooks.command("authorize", { account: row.account, freeWh: row.freeWh ?? 0 })
        else if (row.event === "tariff") await hooks.command("tariff", row.tariff)
        else if (row.event === "sharing") await hooks.command("sharing", { on: row.on })
        else if (row.event === "occupancy") await hooks.occupancy(row.percent)
        onProgress?.(i + 1)
    }
}
