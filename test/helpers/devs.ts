import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildFirmware } from "../../sim/live/firmware"
import { DEVS_BIN, ROOT } from "../../sim/live/process"

export { DEVS_BIN, ROOT }

export interface DevsRun {
    code: number | null
    /** the VM's console, ANSI colours removed, "WASM> " prefixes stripped */
    lines: string[]
}

const ANSI = /\x1b\[[0-9;]*m/g

/**
 * Builds ENTRY (in its own build root, so parallel test files never share one)
 * and runs it in the WASM VM in test mode: `devicescript run X.devs --test --test-self-exit`.
 */
export async function runDevsTest(entry: string, timeoutMs: number): Promise<DevsRun> {
    const dir = mkdtempSync(join(tmpdir(), "devs-run-"))
    const devs = join(dir, "program.devs")
    try {
        await buildFirmware(entry, devs)
        return await new Promise((resolve, reject) => {
            const child = spawn(DEVS_BIN, ["run", devs, "--test", "--test-self-exit", "-T", String(timeoutMs)], {
                cwd: ROOT,
                stdio: ["ignore", "pipe", "pipe"],
            })
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
    } finally {
        rmSync(dir, { recursive: true, force: true })
    }
}
