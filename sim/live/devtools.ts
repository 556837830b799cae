// The devtools hub: `devicescript devtools` with no file only relays Jacdac packets
// between the VMs, the simulated sensors and our deploy connections. Its ports are
// hard-coded in the CLI, so there is at most one per machine.
import { DEVS_BIN, ROOT, killChild, spawnTracked, type Child } from "./process"
import { portAccepts, waitForPort } from "./ports"

/** The VMs dial this one (`vm --tcp`); 8081 (ws) and 8083 (debugger) come along. */
export const DEVTOOLS_TCP_PORT = 8082
const DEVTOOLS_PORTS = [8081, DEVTOOLS_TCP_PORT, 8083]

export interface Devtools {
    readonly pid: number
    /** its console so far (build/deploy/client lines only; the VMs print their own) */
    readonly log: readonly string[]
    stop(): Promise<void>
}

export async function startDevtools(timeoutMs = 15_000): Promise<Devtools> {
    for (const port of DEVTOOLS_PORTS)
        if (await portAccepts(port))
            throw new Error(
                `port ${port} is taken: another devtools (or something else) is running; ` +
                    `the DeviceScript devtools ports 8081-8083 are fixed, stop it first`
            )
    const log: string[] = []
    const child: Child = spawnTracked(DEVS_BIN, ["--no-colors", "devtools"], { cwd: ROOT }, (l) => log.push(l))
    try {
        await waitForPort(DEVTOOLS_TCP_PORT, timeoutMs, child.exited, () => log.join("\n"))
    } catch (e) {
        await killChild(child)
        throw e
    }
    return { pid: child.proc.pid!, log, stop: () => killChild(child) }
}
