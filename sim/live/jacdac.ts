// jacdac-ts ships types, but its package.json "exports" do not point at them, so
// TypeScript (moduleResolution "Bundler") sees the package as untyped. Typed here.
// @ts-expect-error TS7016: the untyped runtime module
import * as untyped from "jacdac-ts"
import type * as Jacdac from "../../node_modules/jacdac-ts/dist/types/src/jacdac"

export type JDBus = Jacdac.JDBus
export type JDDevice = Jacdac.JDDevice
export type Packet = Jacdac.Packet

export const {
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
    SRV_SETTINGS,
    SensorReg,
    SensorServer,
    SettingsClient,
    createNodeSocketTransport,
} = untyped as typeof Jacdac
