import { expect, test } from "vitest"
import { runDevsTest } from "../helpers/devs"

// test/devs/outbox.ts: a day and more of records through the controller and the flash store, in the VM
test("outbox of OUTBOX_RECORDS in the DeviceScript VM", async () => {
    const run = await runDevsTest("test/devs/outbox.ts", 240_000)
    const summary = run.lines.find((l) => l.startsWith("tests: "))
    console.log(run.lines.filter((l) => l.startsWith("offline:")).join("\n"))
    expect(summary, run.lines.join("\n")).toMatch(/^tests: (\d+), pass: \1, error: 0$/)
    expect(run.code).toBe(0)
}, 300_000)
