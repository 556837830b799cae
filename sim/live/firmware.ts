// Builds a DeviceScript entry file to a .devs file of our choosing.
// `devicescript build` always writes <cwd>/.devicescript/bin/bytecode.devs, shared by
// every build of the repo, including other test files vitest runs in parallel
// workers. So each build runs in its own throwaway root made of symlinks to the
// repo's top-level entries: same sources, package.json and node_modules, private
// .devicescript. No lock can be forgotten, across processes too.
import { copyFile, mkdir, mkdtemp, readdir, rm, symlink } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, isAbsolute, join, relative } from "node:path"
import { DEVS_BIN, ROOT, spawnTracked } from "./process"

/** Builds `entry` (absolute, or relative to the repo root) into `outPath`. */
export async function buildFirmware(entry: string, outPath: string): Promise<void> {
    const rel = isAbsolute(entry) ? relative(ROOT, entry) : entry
    if (rel.startsWith("..")) throw new Error(`${entry}: the entry must be inside ${ROOT}`)
    const shadow = await mkdtemp(join(tmpdir(), "devs-build-"))
    try {
        for (const name of await readdir(ROOT))
            if (name !== ".devicescript") await symlink(join(ROOT, name), join(shadow, name))
        const out: string[] = []
        const child = spawnTracked(DEVS_BIN, ["--no-colors", "build", rel], { cwd: shadow }, (l) => out.push(l))
        const code = await child.exited
        if (code !== 0) throw new Error(`devicescript build ${rel} failed (${code}):\n${out.join("\n")}`)
        await mkdir(dirname(outPath), { recursive: true })
        await copyFile(join(shadow, ".devicescript", "bin", "bytecode.devs"), outPath)
    } finally {
        await rm(shadow, { recursive: true, force: true })
    }
}
