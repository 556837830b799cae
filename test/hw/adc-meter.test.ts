import { expect, test } from "vitest"
import { runDevsTest } from "../helpers/devs"

// test/devs/adc-meter.ts: the board's ADC meter servers read by the stall's sensor roles, in the VM
test("ADC meter servers in the DeviceScript VM", async () => {
    const run = await runDevsTest("test/devs/adc-meter.ts", 120_000)
    const summary = run.lines.find((l) => l.startsWith("tests: "))
    expect(summary, run.lines.join("\n")).toMatch(/^tests: (\d+), pass: \1, error: 0$/)
    expect(run.code).toBe(0)
}, 180_000)
