import { expect, test } from "vitest"
import { spawnSync } from "node:child_process"
import { DEVS_BIN, ROOT } from "../helpers/devs"

test("the firmware builds with the DeviceScript compiler, every function checked", () => {
    const r = spawnSync(DEVS_BIN, ["build", "src/main.ts", "-F", "allFunctions"], { cwd: ROOT, encoding: "utf8" })
    expect(r.status, r.stdout + r.stderr).toBe(0)
    expect(r.stdout + r.stderr).not.toMatch(/error/i)
}, 120_000)
