// The restart guard in the DeviceScript VM (test mode, no hub): a register read that
// nobody answers stops only the fiber that awaits it; the guard's timer, in a fiber of
// its own, keeps running and finds the sampling loop stuck.
import * as ds from "@devicescript/core"
import { describe, expect, test } from "@devicescript/test"
import { RestartGuard } from "../../src/core/stall/guard"

// no server on the bus: a read of this role never completes
const silent = new ds.DcVoltageMeasurement("silent")

describe("restart guard", () => {
    test("a read that never answers: the loop stops, the guard's timer does not", async () => {
        const guard = new RestartGuard({ watchdogMs: 500, softMs: 1e9, hardMs: 1e9 }, ds.millis())
        let loops = 0
        const loop = setInterval(async () => {
            if (loops === 3) await silent.reading.read() // from here on it hangs
            loops++
            guard.loopDone(ds.millis())
        }, 100)
        let found: string | null = null
        let checks = 0
        const check = setInterval(async () => {
            checks++
            const due = guard.check(ds.millis(), "charging", true)
            if (due !== null && found === null) found = due.kind + " " + due.detail
        }, 100)
        await ds.sleep(2000)
        clearInterval(loop)
        clearInterval(check)
        console.log("loops " + loops + " checks " + checks + " found " + found)
        expect(loops).toBe(3)
        expect(checks > 10).toBe(true)
        expect(found !== null && found.indexOf("watchdog_restart sampling loop stuck") === 0).toBe(true)
    })
})
