import * as ds from "@devicescript/core"
import { deleteSetting, readSetting, writeSetting } from "@devicescript/settings"
import { SettingsKV } from "./flash"

/** DeviceScript's settings store (the board's flash, .devicescript/flash in the simulator). */
export const deviceSettings: SettingsKV = {
    read: async (key: string) => await readSetting(key),
    write: async (key: string, value: any) => await writeSetting(key, value),
    remove: async (key: string) => await deleteSetting(key),
    // measured: a save pausing with delay(0) hung in a settings round trip, delay(1) did not
    pause: async () => await ds.delay(1),
}
