// The devtools hub: `devicescript devtools` with no file only relays Jacdac packets
// between the VMs, the simulated sensors and our deploy connections. Its ports are
// hard-coded in the CLI, so there is at most one per network namespace: test/run-live.ts
// gives each live test file a namespace of its own.
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
                process.env.STALL_LIVE_NETNS
                    ? `port ${port} is taken inside this test file's own network namespace: ` +
                          `the file started a second devtools hub`
                    : `port ${port} is taken: another devtools (VS Code's DeviceScript extension, ` +
                          `another run) or something else listens, and the devtools ports 8081-8083 ` +
                          `are fixed in the CLI. Stop it, or run live tests with \`npm test\` or ` +
                          `\`npx tsx test/run-live.ts [FILE]\`, which give each file a network namespace of its own`
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
