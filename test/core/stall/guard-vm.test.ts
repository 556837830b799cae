import { expect, test } from "vitest"
import { runDevsTest } from "../../helpers/devs"

// test/devs/guard.ts: the watchdog against a read that never answers, in the VM
test("restart guard in the DeviceScript VM", async () => {
    const run = await runDevsTest("test/devs/guard.ts", 60_000)
    const summary = run.lines.find((l) => l.startsWith("tests: "))
    expect(summary, run.lines.join("\n")).toMatch(/^tests: (\d+), pass: \1, error: 0$/)
    expect(run.code).toBe(0)
}, 120_000)
