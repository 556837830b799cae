// Heap headroom of the real firmware: src/main.ts runs as on a stall (the bench
// drives a session through its sensors); after PROBE_MS (a bench-only setting,
// default 20 s) this allocates 1 KB at a time, saying so, until the VM runs out.
// The last count is the headroom.
import * as ds from "@devicescript/core"
import { readSetting } from "@devicescript/settings"
import "../../src/main"

const probeMs: any = await readSetting("PROBE_MS")
const keep: Buffer[] = []

setTimeout(
    async () => {
        for (let kb = 1; kb <= 1024; kb++) {
            keep.push(Buffer.alloc(1024))
            console.log("heap probe: " + kb + " KB")
            await ds.delay(0)
        }
    },
    typeof probeMs === "number" ? probeMs : 20000
)
