// Shared set-up for the end-to-end tests: the real firmware (src/main.ts) in the
// DeviceScript VM, jacdac-ts sensors, a real broker, everything recorded.
import { configFrom } from "../../src/core/billing/config"
import { presetTariff } from "../../src/core/billing/tariff"
import {
    commandTopic,
    defaultSettings,
    settingValues,
    stallRoot,
    stallTopic,
    type CommandName,
    type StallSettings,
    type StallTopic,
} from "../../src/core/stall/index"
import { setTimeout as sleep } from "node:timers/promises"
import { LiveChecker } from "../../sim/live/checker"
import type { Received } from "../../sim/live/collector"
import { startLive, type Live } from "../../sim/live/index"
import type { SensorsOptions, SensorValues } from "../../sim/live/sensors"

export const STALL = "S1"
export const PREFIX = defaultSettings().topicPrefix
export const ROOT = stallRoot(PREFIX, STALL)
export const FINISH_MS = 3000
export const METER_FAULT_MS = 3000

/** Time-lapse prices: 5 s periods, 10 s grace, so a whole session takes under a minute. */
export { sleep }

export const TIMELAPSE_TARIFF = {
    id: "E2E-TIMELAPSE",
    currency: "EUR",
    mode: "per_minute",
    tierThresholdsKw: [60],
    perMinuteMinor: [17, 34],
    perKwhMinor: 0,
    idlePerMinuteMinor: 35,
    idleGraceMs: 10000,
    idleGraceMode: "deduct",
    periodMs: 5000,
}

/** `broker`: one to start, or the mqtt:// URL of one already running. `sensors` null: the VM starts without the project's sensors (bring your own). */
export async function startStall(
    broker: "mosquitto" | "aedes" | string = "mosquitto",
    sensors?: SensorsOptions | null,
    /** settings that differ from the e2e ones below */
    overrides: Partial<StallSettings> = {}
): Promise<Live> {
    return startLive({
        broker,
        sensors,
        settings: (b) =>
            settingValues({
                ...defaultSettings(),
                stallId: STALL,
                mqttPort: b.port,
                tap: true,
                sampleMs: 500,
                telemetryMs: 2000,
                core: { ...defaultSettings().core, finishAfterMs: FINISH_MS, meterFaultAfterMs: METER_FAULT_MS },
                ...overrides,
            }),
        onVmLine: process.env.E2E_VERBOSE ? (l) => console.log("VM:", l) : undefined,
    })
}

/** Everything the firmware said, checked against the schemas and a replay of its tap. */
export function check(received: Received[]) {
    const checker = new LiveChecker(PREFIX, STALL, {
        tariff: presetTariff("DE-2017")!,
        config: configFrom({ finishAfterMs: FINISH_MS, meterFaultAfterMs: METER_FAULT_MS }),
    })
    for (const m of received) checker.add(m)
    return checker.report
}

/** The topic of one kind of this stall's messages. */
export const topic = (kind: StallTopic) => stallTopic(PREFIX, STALL, kind)

export function json(received: Received[], kind: StallTopic): any[] {
    return received.filter((m) => m.topic === topic(kind)).map((m) => m.json)
}

export async function cmd(live: Live, name: CommandName, body: unknown): Promise<void> {
    await live.collector.publish(
        commandTopic(PREFIX, STALL, name),
        typeof body === "string" ? body : JSON.stringify(body)
    )
}

/** Holds each sensor state for its time: the stall samples on its own clock. */
export async function drive(live: Live, steps: [SensorValues, number][]): Promise<void> {
    for (const [values, ms] of steps) {
        live.sensors.set(values)
        await sleep(ms)
    }
}

/** Online and booted: the status and the boot event (queued until connected) are in. */
export async function ready(live: Live): Promise<void> {
    await waitStatus(live, "available", 30_000)
    await live.collector.waitFor(
        (m) => m.topic === topic("event") && (m.json as any)?.kind === "boot",
        10_000,
        "boot event"
    )
}

export function waitStatus(live: Live, state: string, timeoutMs: number, since = 0): Promise<Received> {
    return live.collector.waitFor(
        (m) => m.topic === topic("status") && (m.json as any)?.state === state,
        timeoutMs,
        `status ${state}`,
        since
    )
}

/** A session: plug, charge at 40 then 100 kW (both tiers), finish (B), idle past the grace, unplug. */
export const SESSION: [SensorValues, number][] = [
    [{ pilot: "B", volts: 400, amps: 0 }, 2000],
    [{ pilot: "C", volts: 400, amps: 100 }, 6000],
    [{ pilot: "C", volts: 400, amps: 250 }, 9000],
    [{ pilot: "B", volts: 400, amps: 0 }, 14000],
    [{ pilot: "A", volts: 0, amps: 0 }, 1500],
]
