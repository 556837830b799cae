import { replayCommand } from "./commands/replay"
import { runCommand } from "./commands/run"
import { liveCommand } from "./commands/live"

const USAGE = "usage: sim <replay TRACE.json | run SCENARIO | live SCENARIO | fleet --stalls N>"

async function main(argv: string[]): Promise<number> {
    const [cmd, ...rest] = argv
    if (cmd === "replay") return replayCommand(rest)
    if (cmd === "run") return runCommand(rest)
    if (cmd === "fleet") return (await import("./fleet/fleet")).fleetCommand(rest)
    if (cmd === "live") return liveCommand(rest)
    process.stderr.write(USAGE + "\n")
    return 2
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code
    },
    (e) => {
        process.stderr.write(`sim: ${e instanceof Error ? e.message : String(e)}\n`)
        process.exitCode = 1
    }
)
