// The stall_s3 board (boards/stall_s3.board.json) as the DeviceScript CLI 2.16.4 takes it:
// `build` has no --board option; the CLI reads every boards/*.board.json of the project,
// the program picks its board by importing "@dsboard/stall_s3", and `flash`/`bundle`
// take `--board stall_s3`. Run in a private root of symlinks to the repository, since
// the CLI writes its output to <cwd>/.devicescript.
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { DEVS_BIN, ROOT } from "../helpers/devs"

let shadow = ""

beforeAll(() => {
    shadow = mkdtempSync(join(tmpdir(), "devs-board-"))
    for (const name of readdirSync(ROOT))
        if (name !== ".devicescript") symlinkSync(join(ROOT, name), join(shadow, name))
})

afterAll(() => rmSync(shadow, { recursive: true, force: true }))

function devs(...args: string[]): { status: number | null; out: string } {
    const r = spawnSync(DEVS_BIN, ["--no-colors", ...args], { cwd: shadow, encoding: "utf8" })
    return { status: r.status, out: r.stdout + r.stderr }
}

/** the hardware config compiled into the last build's program (`disasm -d` prints it) */
function programDcfg(): string {
    const d = devs("disasm", "-d", ".devicescript/bin/bytecode.devs")
    expect(d.status, d.out).toBe(0)
    return /^DCFG: .*?^}/ms.exec(d.out)?.[0] ?? ""
}

describe("the stall_s3 board", () => {
    test("the CLI reads the board file: flash offers --board stall_s3 beside its own S3 boards", () => {
        // an unknown id makes flash list the boards it knows and stop, before any port or download
        const r = devs("flash", "esp32", "--board", "no_such_board")
        expect(r.out).toMatch(/--board esp32s3_devkit_m\s/)
        expect(r.out).toMatch(/--board stall_s3\s+Stall controller S3/)
    }, 60_000)

    test.each(["src/board.ts", "src/board-jacdac.ts"])(
        "%s builds for it, every function checked, with the pilot service on GPIO4",
        (entry) => {
            const all = devs("build", entry, "-F", "allFunctions")
            expect(all.status, all.out).toBe(0)
            expect(all.out).not.toMatch(/error/i)
            // the program as deployed (--stats lists function names, some with "error" in them)
            const r = devs("build", entry, "--stats")
            expect(r.status, r.out).toBe(0)
            expect(r.out).toMatch(/^bytecode: \d+(\.\d+)?kb$/m)
            const dcfg = programDcfg()
            expect(dcfg).toMatch(/"service": "analog:potentiometer"/)
            expect(dcfg).toMatch(/"pin": 4\b/)
        },
        120_000
    )

    test("the simulator build (src/main.ts) starts no board service", () => {
        const r = devs("build", "src/main.ts")
        expect(r.status, r.out).toBe(0)
        expect(programDcfg()).not.toMatch(/"services"/)
    }, 120_000)
})
