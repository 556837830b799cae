// Core throughput inside the DeviceScript VM: the same synthetic stream as the
// Node benchmark, generated in place (no flash data), one await per batch.
import * as ds from "@devicescript/core"
import { describe, test } from "@devicescript/test"
import { StallAccounting } from "../../src/core/billing/index"
import { configFrom } from "../../src/core/billing/index"

const SAMPLES = 20000
const BATCH = 50
const VOLTS = 400

// mirrors test/helpers/synthetic.ts, without allocating per sample
function pilotAt(s: number): string {
    return s < 10 ? "B" : s < 2410 ? "C" : s < 2890 ? "B" : "A"
}

function kwAt(s: number): number {
    if (s < 10 || s >= 2410) return 0
    return s < 130 ? (s - 10) * 1.25 : Math.max(2, 150 - (s - 130) * 0.065)
}

describe("bench", () => {
    test("core samples per second", async () => {
        const acct = new StallAccounting(configFrom(undefined))
        let records = 0
        // ds.millis() only advances across awaits, so the yields are in the time:
        // they are part of any real loop on the VM
        await ds.delay(0)
        const t0 = ds.millis()
        for (let i = 0; i < SAMPLES; i += BATCH) {
            for (let j = i; j < i + BATCH; j++) {
                const s = j % 3600
                acct.sample(1000000 + j * 1000, pilotAt(s), VOLTS, (kwAt(s) * 1000) / VOLTS)
            }
            if (acct.hasOutput()) records += acct.take().length
            await ds.delay(0)
        }
        console.log("bench vm samples " + SAMPLES + " ms " + (ds.millis() - t0) + " outputs " + records)
    })
})
