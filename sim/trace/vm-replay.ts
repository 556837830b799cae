// `sim replay --vm`: a trace through the billing core inside the DeviceScript VM
// (`devicescript run --test --test-self-exit`), as exact as the Node replay.
//
// Measured here (DeviceScript 2.16.4): one hex literal of 100 KB fails to compile, a
// program image of 115 KB aborts the WASM VM (108 KB ran), a build takes ~3 s and a VM
// start ~1.2 s. So a trace is cut into chunks of at most CHUNK_BYTES, and the program
// is built once, with a placeholder buffer that each chunk's bytes overwrite in the
// image (the image carries no checksum). The accounts go from chunk to chunk through the
// core's exact checkpoint (checkpoint() at the end of one, restore() before the next):
// not a reboot, and a restore changes nothing.
import { mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DEVS_BIN, ROOT, spawnTracked } from "../live/process"
import type { Trace } from "./load"
import { REJECTIONS_SHOWN, type ReplayReport } from "./report"
import { readPrinted, writeRow, writeValue } from "./vm-data"

/** Bytes of rows per chunk: a 60 KB hex literal compiles and, with the core, runs. */
export const CHUNK_BYTES = 60_000
/** -T of one chunk's run: ~5,500 samples take ~2 s, a chunk of 60,000 one-byte rows more: a wide margin. */
const CHUNK_TIMEOUT_MS = 600_000
const ENTRY = "vm-replay.g.ts"
const ANSI = /\x1b\[[0-9;]*m/g

/** The placeholder the chunks overwrite: bytes that occur nowhere else in the image. */
function placeholder(): Buffer {
    const b = Buffer.alloc(CHUNK_BYTES)
    let x = 0x2545f491
    for (let i = 0; i < b.length; i++) {
        // xorshift32
        x ^= x << 13
        x ^= x >>> 17
        x ^= x << 5
        b[i] = x & 255
    }
    return b
}

export interface VmRunStats {
    chunks: number
    /** wall time of the `devicescript run`s (VM start included), all chunks */
    runMs: number
    /** the VM's own clock from each chunk's first row to its last, summed */
    replayMs: number
}

/** The replay program, built once, run once per chunk. `close()` removes its build root. */
export class VmReplayer {
    readonly stats: VmRunStats = { chunks: 0, runMs: 0, replayMs: 0 }
    private runs = 0

    private constructor(
        private readonly root: string,
        private readonly image: Buffer,
        private readonly dataAt: number
    ) {}

    /**
     * Builds the program in a private root of symlinks to the repository (as
     * sim/live/firmware.ts does: `devicescript build` writes to <cwd>/.devicescript),
     * with the generated entry beside them.
     */
    static async build(): Promise<VmReplayer> {
        const root = await mkdtemp(join(tmpdir(), "vm-replay-"))
        try {
            for (const name of await readdir(ROOT))
                if (name !== ".devicescript") await symlink(join(ROOT, name), join(root, name))
            const data = placeholder()
            await writeFile(
                join(root, ENTRY),
                'import { replayChunkTest } from "./sim/trace/devs/replay-chunk"\n' +
                    `replayChunkTest(hex\`${data.toString("hex")}\`)\n`
            )
            const out: string[] = []
            const child = spawnTracked(DEVS_BIN, ["--no-colors", "build", ENTRY], { cwd: root }, (l) => out.push(l))
            const code = await child.exited
            if (code !== 0) throw new Error(`devicescript build failed (${code}):\n${out.join("\n")}`)
            const image = await readFile(join(root, ".devicescript", "bin", "bytecode.devs"))
            const at = image.indexOf(data)
            if (at < 0 || image.indexOf(data, at + 1) >= 0)
                throw new Error("vm replay: the data placeholder is not once in the program image")
            return new VmReplayer(root, image, at)
        } catch (e) {
            await rm(root, { recursive: true, force: true })
            throw e
        }
    }

    async close(): Promise<void> {
        await rm(this.root, { recursive: true, force: true })
    }

    /** `trace` through the core in the VM, chunk after chunk. */
    async replay(trace: Trace): Promise<ReplayReport> {
        const header = { tariff: trace.tariff, config: trace.config }
        const report: ReplayReport = { outputs: [], tariffError: null, rejected: 0, rejections: [] }
        let checkpoint: unknown = null
        let first = 0
        for (let chunk = 0; chunk === 0 || first < trace.rows.length; chunk++) {
            const bytes: number[] = []
            const shown = REJECTIONS_SHOWN - report.rejections.length
            writeValue(bytes, { chunk, first, shown, header, checkpoint })
            if (bytes.length + 4 > CHUNK_BYTES) throw new Error("vm replay: the trace's header is too large for the VM")
            let next = first
            let prevT = 0
            for (; next < trace.rows.length; next++) {
                const mark = bytes.length
                const t = writeRow(bytes, trace.rows[next], prevT)
                if (bytes.length + 4 > CHUNK_BYTES) {
                    bytes.length = mark
                    break
                }
                prevT = t
            }
            if (next === first && first < trace.rows.length)
                throw new Error(`vm replay: row ${first + 1} is too large for the VM`)
            const run = await this.runChunk(chunk, bytes)
            if (chunk === 0) report.tariffError = run.tariffError
            for (const o of run.outputs) report.outputs.push(o)
            for (const r of run.rejections) report.rejections.push(r)
            report.rejected += run.rejected
            checkpoint = run.checkpoint
            first = next
        }
        return report
    }

    private async runChunk(chunk: number, bytes: number[]) {
        const image = Buffer.from(this.image)
        image.writeUInt32LE(bytes.length, this.dataAt)
        Buffer.from(bytes).copy(image, this.dataAt + 4)
        const file = join(this.root, `chunk-${this.runs++}.devs`)
        await writeFile(file, image)
        const lines: string[] = []
        const t0 = performance.now()
        const child = spawnTracked(
            DEVS_BIN,
            ["--no-colors", "run", file, "--test", "--test-self-exit", "-T", String(CHUNK_TIMEOUT_MS)],
            { cwd: this.root },
            (l) => lines.push(l.replace(ANSI, "").replace(/^WASM> /, ""))
        )
        // "exit" can come before the last lines: wait for the streams to close
        const closed = new Promise((resolve) => child.proc.once("close", resolve))
        const code = await child.exited
        await closed
        await rm(file, { force: true })
        this.stats.chunks++
        this.stats.runMs += performance.now() - t0
        const result = {
            outputs: [] as unknown[],
            rejections: [] as { row: number; reason: string }[],
            rejected: 0,
            tariffError: null as string | null,
            checkpoint: null as unknown,
        }
        let seen = false
        let ended = false
        let pieces = ""
        for (const line of lines) {
            const m = /^R([a-z+]) (.*)$/.exec(line)
            if (!m) continue
            if (m[1] === "+") {
                pieces += m[2]
                continue
            }
            const kind = m[1]
            const rest = pieces + m[2]
            pieces = ""
            if (kind === "m") this.stats.replayMs += Number(rest)
            else if (kind === "c") seen = Number(rest) === chunk
            else if (kind === "t") result.tariffError = readPrinted(JSON.parse(rest)) as string | null
            else if (kind === "o") result.outputs.push(readPrinted(JSON.parse(rest)))
            else if (kind === "j") {
                const sp = rest.indexOf(" ")
                result.rejections.push({
                    row: Number(rest.slice(0, sp)) + 1,
                    reason: readPrinted(JSON.parse(rest.slice(sp + 1))) as string,
                })
            } else if (kind === "e") {
                const sp = rest.indexOf(" ")
                result.rejected = Number(rest.slice(0, sp))
                result.checkpoint = readPrinted(JSON.parse(rest.slice(sp + 1)))
                ended = true
            }
        }
        if (code !== 0 || !seen || !ended)
            throw new Error(`vm replay: chunk ${chunk} did not finish (exit ${code}):\n${lines.slice(-20).join("\n")}`)
        return result
    }
}

/** `trace` through the core in the VM: builds, replays, cleans up. */
export async function replayInVm(trace: Trace): Promise<ReplayReport> {
    const vm = await VmReplayer.build()
    try {
        return await vm.replay(trace)
    } finally {
        await vm.close()
    }
}
