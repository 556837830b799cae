// Scenario mode of `sim sensors`: a one-stall trace played in real time onto the
// sensors. What sensors cannot do (commands, reboots) becomes one line telling the
// user what to publish or do, or, given a broker, a published command.
import type { Tariff } from "../../src/core/billing/index"
import { commandTopic, siteOccupancyTopic, type CommandName } from "../../src/core/stall/index"
import { playTrace, type PlayedSensors } from "../live/player"
import type { Row, SampleRow } from "../scenario/scenario"

/** a progress line at least this often (trace time) while nothing changes */
const PROGRESS_EVERY_MS = 10_000

export interface FollowOptions {
    prefix: string
    stallId: string
    /** the tariff the stall bills until a cmd/tariff arrives (its TARIFF setting) */
    stallTariff: Tariff
    /** publishes a command; null: print what the user should publish */
    publish: ((topic: string, payload: string, retain?: boolean) => Promise<void>) | null
    out: (line: string) => void
}

/** 0:07, 12:30, 1:02:03 */
export function clock(ms: number): string {
    const s = Math.round(ms / 1000)
    const mmss = `${Math.floor(s / 60) % 60}:${String(s % 60).padStart(2, "0")}`
    return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss.padStart(5, "0")}` : mmss
}

const samples = (rows: Row[]) => rows.filter((r): r is SampleRow => Array.isArray(r))

function describeSample([, pilot, volts, amps]: SampleRow): string {
    if (volts === null || amps === null) return `pilot ${pilot} · meter reads NaN`
    return `pilot ${pilot} · ${volts.toFixed(1)} V · ${amps.toFixed(1)} A · ${((volts * amps) / 1000).toFixed(1)} kW`
}

/** Plays `rows` onto `sensors` in real time, printing progress; resolves after the last row. */
export async function followTrace(sensors: PlayedSensors, rows: Row[], tariff: Tariff, o: FollowOptions) {
    const all = samples(rows)
    const t0 = all.length ? all[0][0] : 0
    const total = all.length ? all[all.length - 1][0] - t0 : 0
    const started = Date.now()
    const line = (what: string, text: string) =>
        o.out(
            `[${clock(Date.now() - started).padStart(clock(total).length)} / ${clock(total)}] ${what.padEnd(9)} ${text}`
        )

    const command = async (name: CommandName, body: unknown) => {
        const topic = commandTopic(o.prefix, o.stallId, name)
        const payload = JSON.stringify(body)
        if (o.publish) await o.publish(topic, payload)
        line(name, `${o.publish ? "published to" : "publish to"} ${topic}: ${payload}`)
    }
    if (JSON.stringify(tariff) !== JSON.stringify(o.stallTariff)) await command("tariff", tariff)

    let shown: SampleRow | null = null
    await playTrace(
        sensors,
        rows,
        {
            command,
            occupancy: async (percent) => {
                const topic = siteOccupancyTopic(o.prefix)
                const payload = JSON.stringify({ percent })
                if (o.publish) await o.publish(topic, payload, true)
                line(
                    "occupancy",
                    `${o.publish ? "published (retained) to" : "publish (retained) to"} ${topic}: ${payload}`
                )
            },
            powerOff: async () =>
                line("reboot", "the scenario reboots the stall: power it off now (the sensors keep their values)"),
            powerOn: async () => line("reboot", "power the stall back on now"),
        },
        (done) => {
            const row = rows[done - 1]
            if (!Array.isArray(row)) return
            const changed = !shown || shown[1] !== row[1] || (shown[2] === null) !== (row[2] === null)
            if (changed || row === all[all.length - 1] || row[0] - shown![0] >= PROGRESS_EVERY_MS) {
                line("sensors", describeSample(row))
                shown = row
            }
        }
    )
    line("done", `${all.length} samples served`)
}
