// The live harness, proved with a small DeviceScript probe (fixtures/probe.ts), not
// the firmware. Sequential by nature: the devtools hub has fixed ports.
import { afterAll, describe, expect, test } from "vitest"
import { startLive, type Live } from "../../sim/live"
import type { Received } from "../../sim/live/collector"

const ENTRY = "test/live/fixtures/probe.ts"
const STALL = "s1"
const T = 15_000

interface Reading {
    n: number
    mV: number
    cpmV: number
    mA: number
}

const isReading = (m: Received): boolean => m.topic === `probe/${STALL}/reading`
const reading = (m: Received) => m.json as Reading

let live: Live | undefined

afterAll(async () => {
    await live?.stop()
})

/** The next reading published after now that satisfies `ok`. */
async function nextReading(l: Live, ok: (r: Reading) => boolean, what: string): Promise<Reading> {
    const m = await l.collector.waitFor((m) => isReading(m) && ok(reading(m)), T, what, l.collector.count)
    return reading(m)
}

async function waitOnline(l: Live, since: number): Promise<number> {
    const m = await l.collector.waitFor(
        (m) => m.topic === `probe/${STALL}/status` && m.payload.includes("online"),
        T,
        "status online",
        since
    )
    return m.atMs
}

describe.sequential("live harness (mosquitto)", () => {
    test("deploys with settings; readings follow the sensors; commands arrive", async () => {
        const t0 = Date.now()
        live = await startLive({
            broker: "mosquitto",
            entry: ENTRY,
            settings: (b) => ({ STALL_ID: STALL, MQTT_PORT: b.port }),
            sensors: { initial: { volts: 400, amps: 0, pilot: "A" } },
        })
        const l = live
        await l.vm.waitForLine(new RegExp(`^BOOT stall=${STALL} port=${l.brokerAddress.port}$`), T)
        await waitOnline(l, 0)
        console.log(`startLive → online: ${Date.now() - t0} ms`)

        l.sensors.set({ volts: 812.5, amps: 125.25, pilot: "C" })
        const r = await nextReading(l, (r) => r.mV === 812_500, "812.5 V reading")
        expect(r).toMatchObject({ mV: 812_500, cpmV: 6000, mA: 125_250 })

        l.sensors.set({ pilotVolts: 8.7 })
        await nextReading(l, (r) => r.cpmV === 8700, "CP 8.7 V")

        await l.collector.publish(`probe/${STALL}/cmd`, '{"op":"ping"}')
        await l.collector.waitFor((m) => m.topic === `probe/${STALL}/ack` && m.payload === '{"op":"ping"}', T, "ack")
    }, 60_000)

    test("a silent meter blocks the program's reads until it answers again", async () => {
        const l = live!
        l.sensors.fail(true)
        const since = l.collector.count
        await new Promise((r) => setTimeout(r, 2000))
        const during = l.collector.received.slice(since).filter(isReading).length
        l.sensors.fail(false)
        await nextReading(l, () => true, "reading after repair")
        expect(during).toBeLessThanOrEqual(1) // one may have been in flight
    })

    test("a killed VM leaves its will; a restarted one boots from flash with its settings", async () => {
        const l = live!
        const since = l.collector.count
        const killedAt = Date.now()
        await l.vm.kill()
        const will = await l.collector.waitFor(
            (m) => m.topic === `probe/${STALL}/status` && m.payload.includes("offline"),
            T,
            "will",
            since
        )
        console.log(`kill → will: ${will.atMs - killedAt} ms`)

        const restartAt = Date.now()
        await l.vm.restart()
        await l.vm.waitForLine(new RegExp(`^BOOT stall=${STALL} port=${l.brokerAddress.port}$`), T)
        console.log(`restart → first program line: ${Date.now() - restartAt} ms`)
        console.log(`restart → online: ${(await waitOnline(l, since)) - restartAt} ms`)
        await nextReading(l, () => true, "reading after reboot")
    })

    test("after a broker restart the program and the collector reconnect", async () => {
        const l = live!
        const since = l.collector.count
        const at = Date.now()
        await l.broker!.restart()
        const online = await waitOnline(l, since)
        console.log(`broker restart → program online again: ${online - at} ms`)
        await nextReading(l, () => true, "reading after broker restart")
    })

    test("the probe binds the dashboard's layout and reads the meter's names", async () => {
        const l = live!
        await l.replaceSensors({ names: ["dc_bus", "dc_current"], initial: { volts: 650, amps: 3, pilot: "B" } })
        await l.vm.restart()
        await l.vm.waitForLine(/^BOUND names=dc_bus,dc_current$/, T)
        const r = await nextReading(l, () => true, "reading with the named meter")
        expect(r).toMatchObject({ mV: 650_000, cpmV: 9000, mA: 3000 })
        await live!.stop()
        await live!.stop() // idempotent
        live = undefined
    })
})

test("aedes works too", async () => {
    live = await startLive({
        broker: "aedes",
        entry: ENTRY,
        settings: (b) => ({ STALL_ID: STALL, MQTT_PORT: b.port }),
        sensors: { initial: { volts: 230, amps: 1, pilot: "B" } },
    })
    const r = await nextReading(live, () => true, "reading via aedes")
    expect(r).toMatchObject({ mV: 230_000, cpmV: 9000, mA: 1000 })
    await live.stop()
    live = undefined
}, 60_000)
