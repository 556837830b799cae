// One live stall: the real firmware in a DeviceScript VM, with simulated sensors,
// against a real MQTT broker, everything recorded by a collector.
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startAedes, startMosquitto, type Broker } from "./broker"
import { Collector } from "./collector"
import { startDevtools, type Devtools } from "./devtools"
import { buildFirmware } from "./firmware"
import { Sensors, type SensorsOptions } from "./sensors"
import { Vm, type Settings } from "./vm"
import { calibrationOf, settingsFrom } from "../../src/core/stall/index"

export interface BrokerAddress {
    url: string
    port: number
}

export interface LiveOptions {
    /** a broker to start, or the mqtt:// URL of one already running */
    broker: "aedes" | "mosquitto" | string
    /** DeviceScript entry, relative to the repo root; default "src/main.ts" */
    entry?: string
    /** deployed with the bytecode; a function gets the broker's address (its port is picked at start) */
    settings?: Settings | ((broker: BrokerAddress) => Settings)
    deviceId?: string
    /** the project's simulated sensors (default); null: none, the caller brings its own */
    sensors?: SensorsOptions | null
    /** collector subscriptions, default "#" */
    topics?: string | string[]
    /** each VM console line, e.g. to echo it */
    onVmLine?: (line: string) => void
    /** each start-up step as it begins ("building the firmware (src/main.ts)"): a start takes seconds */
    onStep?: (step: string) => void
    /** once the broker is up and the collector subscribed, before the build: e.g. to connect one more client */
    onBroker?: (broker: BrokerAddress) => Promise<void>
}

export interface Live {
    devtools: Devtools
    vm: Vm
    readonly sensors: Sensors
    /** closes the sensors and brings up new ones (restart the VM so it binds them afresh) */
    replaceSensors(options?: SensorsOptions): Promise<Sensors>
    /** undefined when `broker` was a URL: we do not own that one */
    broker: Broker | undefined
    brokerAddress: BrokerAddress
    collector: Collector
    /** the deployed bytecode: redeploy it with vm.deploy() */
    bytecodePath: string
    /** stops everything; safe to call twice */
    stop(): Promise<void>
}

/**
 * Starts, in this order: broker, collector (so nothing the stall sends is
 * missed), build, devtools hub, sensors (present before the VM, so roles bind at
 * boot), VM, deploy. On any failure what already started is stopped again.
 */
export async function startLive(options: LiveOptions): Promise<Live> {
    const undo: (() => Promise<void>)[] = []
    const stop = async () => {
        const steps = undo.splice(0).reverse()
        for (const step of steps) await step().catch(() => {}) // keep stopping the rest
    }
    const onStep = options.onStep ?? (() => {})
    const entry = options.entry ?? "src/main.ts"
    try {
        onStep(
            options.broker.includes("://")
                ? `using the broker at ${options.broker}`
                : `starting the broker (${options.broker})`
        )
        const broker = await openBroker(options.broker)
        if (broker) undo.push(() => broker.stop())
        const brokerAddress = broker ?? addressOf(options.broker)

        const collector = await Collector.start(brokerAddress.url, { topics: options.topics })
        undo.push(() => collector.close())
        await options.onBroker?.(brokerAddress)

        const buildDir = await mkdtemp(join(tmpdir(), "live-build-"))
        undo.push(() => rm(buildDir, { recursive: true, force: true }))
        const bytecodePath = join(buildDir, "firmware.devs")
        onStep(`building the firmware (${entry})`)
        await buildFirmware(entry, bytecodePath)

        onStep("starting the DeviceScript devtools hub (tcp 8082)")
        const devtools = await startDevtools()
        undo.push(() => devtools.stop())

        const settings = typeof options.settings === "function" ? options.settings(brokerAddress) : options.settings
        // the sensors serve what the stall's calibration maps back to the values set
        const calibration = calibrationOf(settingsFrom(settings ?? {}).settings)
        const startSensors = (o?: SensorsOptions) => Sensors.start({ calibration, ...o })
        let sensors: Sensors | null = null
        if (options.sensors !== null) {
            onStep("starting the simulated sensors")
            sensors = await startSensors(options.sensors)
        }
        undo.push(async () => await sensors?.close())
        const replaceSensors = async (next?: SensorsOptions) => {
            await sensors?.close()
            sensors = await startSensors(next)
            return sensors
        }

        onStep("starting the DeviceScript VM")
        const vm = await Vm.start({ deviceId: options.deviceId, onLine: options.onVmLine })
        undo.push(() => vm.dispose())

        onStep("deploying the firmware and its settings to the VM")
        await vm.deploy(bytecodePath, settings)
        return {
            devtools,
            vm,
            get sensors() {
                if (!sensors) throw new Error("this live stall was started without the project's sensors")
                return sensors
            },
            replaceSensors,
            broker,
            brokerAddress,
            collector,
            bytecodePath,
            stop,
        }
    } catch (e) {
        await stop()
        throw e
    }
}

async function openBroker(spec: string): Promise<Broker | undefined> {
    if (spec === "aedes") return startAedes()
    if (spec === "mosquitto") return startMosquitto()
    return undefined
}

function addressOf(url: string): BrokerAddress {
    const u = new URL(url)
    if (u.protocol !== "mqtt:") throw new Error(`broker ${url}: expected "aedes", "mosquitto" or an mqtt:// URL`)
    return { url, port: Number(u.port || 1883) }
}
