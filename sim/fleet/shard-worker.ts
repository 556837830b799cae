// One shard of a sharded fleet (shards.ts), in a process of its own: it takes its part
// over IPC, says when its stalls are connected, feeds them when told to, and sends its
// report with its peak memory.
import { runFleet } from "./fleet"
import type { FromShard, ToShard } from "./shards"

const send = (m: FromShard) => new Promise<void>((resolve) => process.send!(m, () => resolve()))

let go!: () => void
const started = new Promise<void>((resolve) => (go = resolve))

process.on("message", async (m: ToShard) => {
    if (m.type === "go") return go()
    const o = m.options
    try {
        const report = await runFleet({
            stalls: o.stalls,
            minutes: o.minutes,
            speed: o.speed,
            brokerUrl: o.brokerUrl,
            scenarioPath: o.scenarioPath,
            seed: o.seed,
            drainMs: o.drainMs,
            shard: {
                firstStall: o.firstStall,
                clock: o.clock,
                ready: async () => {
                    await send({ type: "connected" })
                    await started
                },
            },
        })
        const use = process.resourceUsage()
        // ru_maxrss: kB on Linux; CPU times in µs
        await send({
            type: "report",
            report,
            maxRssKb: use.maxRSS,
            cpuSeconds: (use.userCPUTime + use.systemCPUTime) / 1e6,
        })
    } catch (e) {
        await send({ type: "error", message: (e as Error).message })
    }
    process.exit(0)
})
