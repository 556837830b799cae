import { expect, test } from "vitest"
import { runDevsTest } from "../helpers/devs"

// test/devs/store.ts: the flash store on DeviceScript's own settings, in the VM
test("flash store in the DeviceScript VM", async () => {
    const run = await runDevsTest("test/devs/store.ts", 120_000)
    const summary = run.lines.find((l) => l.startsWith("tests: "))
    expect(summary, run.lines.join("\n")).toMatch(/^tests: (\d+), pass: \1, error: 0$/)
    expect(run.code).toBe(0)
}, 180_000)
