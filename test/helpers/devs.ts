import { spawn } from "node:child_process"
import { join } from "node:path"

export const ROOT = join(import.meta.dirname, "..", "..")
export const DEVS_BIN = join(ROOT, "node_modules", ".bin", "devicescript")

export interface DevsRun {
    code: number | null
    /** the VM's console, ANSI colours removed, "WASM> " prefixes stripped */
    lines: string[]
}

const ANSI = /\x1b\[[0-9;]*m/g

/** `devicescript run ENTRY --test --test-self-exit`: the WASM VM in test mode. */
export function runDevsTest(entry: string, timeoutMs: number): Promise<DevsRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(
            DEVS_BIN,
            ["run", entry, "--test", "--test-self-exit", "-T", String(timeoutMs)],
            { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }
        )
        let out = ""
        child.stdout.on("data", (d) => (out += d))
        child.stderr.on("data", (d) => (out += d))
        child.on("error", reject)
        child.on("close", (code) =>
            resolve({
                code,
                lines: out
                    .replace(ANSI, "")
                    .split("\n")
                    .map((l) => l.replace(/^WASM> /, "")),
            })
        )
    })
}
