// A jacdac-ts connection to the devtools hub (tcp 8082), for deploys and for the
// simulated sensors.
import { createRequire } from "node:module"
import { JDBus, createNodeSocketTransport } from "./jacdac"
import { DEVTOOLS_TCP_PORT } from "./devtools"
import { deadline } from "./process"

// jacdac-ts' socket transport does a bare require("net"), which ESM lacks.
;(globalThis as { require?: NodeJS.Require }).require ??= createRequire(import.meta.url)

export async function connectBus(port = DEVTOOLS_TCP_PORT, timeoutMs = 5000): Promise<JDBus> {
    const bus = new JDBus([createNodeSocketTransport(port, "127.0.0.1")], {
        client: false,
        disableRoleManager: true,
    })
    bus.start()
    // the transport's connect promise never settles when nobody listens
    const limit = deadline(timeoutMs, () => `the devtools hub on tcp ${port} (is it running?)`)
    try {
        await Promise.race([bus.connect(), limit.promise])
    } catch (e) {
        await bus.dispose()
        throw e
    } finally {
        limit.cancel()
    }
    return bus
}
