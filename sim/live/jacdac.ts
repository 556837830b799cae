// jacdac-ts ships types, but its package.json "exports" do not point at them, so
// TypeScript (moduleResolution "Bundler") sees the package as untyped. Typed here.
import { format } from "node:util"
// @ts-expect-error TS7016: the untyped runtime module
import * as untyped from "jacdac-ts"
import type * as Jacdac from "../../node_modules/jacdac-ts/dist/types/src/jacdac"

export type JDBus = Jacdac.JDBus
export type JDDevice = Jacdac.JDDevice
export type Packet = Jacdac.Packet

export const {
    AnalogSensorServer,
    DEVICE_ANNOUNCE,
    DcCurrentMeasurementReg,
    DcVoltageMeasurementReg,
    DeviceScriptManagerCmd,
    DeviceScriptManagerReg,
    JDBus,
    JDServerServiceProvider,
    OutPipe,
    SRV_DC_CURRENT_MEASUREMENT,
    SRV_DC_VOLTAGE_MEASUREMENT,
    SRV_DEVICE_SCRIPT_MANAGER,
    SRV_POTENTIOMETER,
    SRV_ROLE_MANAGER,
    SRV_SETTINGS,
    SensorReg,
    SystemReg,
    SettingsClient,
    addServiceProvider,
    createNodeSocketTransport,
    serviceProviderDefinitionFromServiceClass,
    serviceProviderDefinitions,
} = untyped as typeof Jacdac

/**
 * jacdac-ts writes its debug log ("tcp: connecting", "bus: disposing.") with the global
 * console.debug, which nothing else in the simulator uses: send it to `sink`, a line per
 * call, or drop it (null). Dropped from the first import of this module on; its
 * warnings and errors (console.warn / console.error) always show.
 */
export function routeJacdacLog(sink: ((line: string) => void) | null): void {
    console.debug = sink ? (...args: unknown[]) => sink(format(...args)) : () => {}
}

routeJacdacLog(null)
