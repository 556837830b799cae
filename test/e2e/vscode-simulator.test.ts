import { afterAll, beforeAll, expect, test } from "vitest"
import { connectBus } from "../../sim/live/bus"
import {
    addServiceProvider,
    serviceProviderDefinitions,
    SRV_DC_CURRENT_MEASUREMENT,
    SRV_DC_VOLTAGE_MEASUREMENT,
    SRV_POTENTIOMETER,
    SRV_ROLE_MANAGER,
    SystemReg,
    type JDBus,
} from "../../sim/live/jacdac"
import type { Live } from "../../sim/live/index"
import { calibrationOf, defaultSettings, pilotNominalVolts, rawFor } from "../../src/core/stall/index"
import type { PilotState } from "../../src/core/billing/index"
import { check, cmd, json, topic, sleep, startStall, TIMELAPSE_TARIFF, waitStatus } from "./stall"

// The VS Code DeviceScript simulator's own sensors: jacdac-ts' provider definitions,
// started the way its dashboard starts them (the role manager's "start missing
// simulators", then one device added from the list), each reading set only within
// the server's own min/max. No project-written server code on the bus.
const CAL = calibrationOf(defaultSettings())

/** A jacdac-ts server as the dashboard's slider drives it. */
interface Slider {
    serviceClass: number
    register(code: number): { values(): unknown[] } | undefined
    reading: { setValues(v: [number]): void; specification: { fields: { type: string }[] } }
}

let live: Live
let bus: JDBus
const sliders = new Map<number, Slider>()

async function until<T>(what: string, timeoutMs: number, get: () => T | undefined): Promise<T> {
    const end = Date.now() + timeoutMs
    for (;;) {
        const v = get()
        if (v !== undefined && v !== null && (v as unknown) !== false) return v
        if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
        await sleep(50)
    }
}

/** The servers of one class our bus hosts (the dashboard's simulators). */
function hosted(serviceClass: number): Slider[] {
    return bus
        .serviceProviders()
        .flatMap((p: any) => (p.services?.() ?? []) as Slider[])
        .filter((s) => s.serviceClass === serviceClass)
}

/** The server's range: its min/max registers, else its reading's format (u0.16: a ratio 0–1). */
function rangeOf(s: Slider): [number, number] {
    const reg = (code: number) => s.register(code)?.values()[0] as number | undefined
    const ratio = s.reading.specification.fields[0].type.startsWith("u0.")
    return [reg(SystemReg.MinReading) ?? (ratio ? 0 : NaN), reg(SystemReg.MaxReading) ?? (ratio ? 1 : NaN)]
}

/** Moves a slider; a value outside the server's own range would be a slider the dashboard lacks. */
function slide(serviceClass: number, raw: number): void {
    const s = sliders.get(serviceClass)!
    const [min, max] = rangeOf(s)
    expect(raw, "within the simulator's slider").toBeGreaterThanOrEqual(min)
    expect(raw, "within the simulator's slider").toBeLessThanOrEqual(max)
    s.reading.setValues([raw])
}

function set(pilot: PilotState, volts: number, amps: number): void {
    slide(SRV_POTENTIOMETER, rawFor(pilotNominalVolts(pilot), CAL.pilotVolts))
    slide(SRV_DC_VOLTAGE_MEASUREMENT, rawFor(volts, CAL.busVolts))
    slide(SRV_DC_CURRENT_MEASUREMENT, rawFor(amps, CAL.amps))
}

beforeAll(async () => {
    live = await startStall("mosquitto", null)
    bus = await connectBus()
    // the VM's role manager, as the dashboard finds it
    const rm = await until("the VM's role manager", 15_000, () =>
        bus
            .services({ serviceClass: SRV_ROLE_MANAGER })
            .find((s) => s.device.deviceId.toLowerCase() === live.vm.deviceId)
    )
    bus.setRoleManagerService(rm)
    await until("the stall's roles", 15_000, () => bus.roleManager.roles.length >= 5)
})
afterAll(async () => {
    await bus?.dispose()
    await live?.stop()
})

test("'start missing simulators' starts the pilot's potentiometer, and only that", async () => {
    // the roles the dashboard lists (docs/flashing.md names them); Settings0 is
    // DeviceScript's own, bound to the VM's settings service
    expect(bus.roleManager.roles.map((r) => r.name).sort()).toEqual([
        "Settings0",
        "busVolts",
        "busVolts2",
        "current",
        "current2",
        "pilot",
    ])
    bus.roleManager.startSimulators()
    await until("a potentiometer", 10_000, () => hosted(SRV_POTENTIOMETER).length === 1)
    expect(hosted(SRV_DC_VOLTAGE_MEASUREMENT)).toEqual([])
    expect(hosted(SRV_DC_CURRENT_MEASUREMENT)).toEqual([])
    sliders.set(SRV_POTENTIOMETER, hosted(SRV_POTENTIOMETER)[0])
})

test("a whole session on the dashboard's simulators, record = replay", async () => {
    // the second click: "DC current/voltage measurement" from the dashboard's list
    const dc = serviceProviderDefinitions().find((p: any) => p.name === "DC current/voltage measurement")
    expect(dc).toBeDefined()
    addServiceProvider(bus, dc!)
    for (const c of [SRV_DC_VOLTAGE_MEASUREMENT, SRV_DC_CURRENT_MEASUREMENT]) sliders.set(c, hosted(c)[0])
    const c = live.collector
    set("A", 0, 0)
    await waitStatus(live, "available", 30_000)
    await cmd(live, "tariff", TIMELAPSE_TARIFF)
    await c.waitFor((m) => (m.json as any)?.kind === "tariff_changed", 10_000, "tariff_changed")

    const since = c.count
    const steps: [PilotState, number, number, number][] = [
        ["B", 400, 0, 2000],
        ["C", 400, 100, 6000], // 40 kW: tier 1
        ["C", 400, 250, 9000], // 100 kW: tier 2
        ["B", 400, 0, 14000], // finished, idle past the 10 s grace
        ["A", 0, 0, 0],
    ]
    for (const [pilot, volts, amps, ms] of steps) {
        set(pilot, volts, amps)
        await sleep(ms)
    }
    const rec = (await c.waitFor((m) => m.topic === topic("session"), 15_000, "session record", since)).json as any
    expect(rec.tierMinutes[0]).toBeGreaterThan(0)
    expect(rec.tierMinutes[1]).toBeGreaterThan(0)
    expect(rec.idleBilledMinutes).toBe(1)
    expect(rec.cost.idleMinor).toBe(35)
    const report = check(c.received)
    expect(report.schemaErrors).toEqual([])
    expect(report.records).toContainEqual({ sessionId: rec.sessionId, verifiable: true, diff: null })
    // "available" may follow the record: wait for it, not for luck (it lost under load)
    await waitStatus(live, "available", 10_000, since)
    const states = json(c.received.slice(since), "status").map((s) => s.state)
    expect(states).toEqual(["preparing", "charging", "finished", "available"])
})
