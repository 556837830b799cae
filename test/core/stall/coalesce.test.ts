import { describe, expect, test } from "vitest"
import { coalesced } from "../../../src/core/stall/coalesce"

const tick = () => new Promise<void>((r) => setTimeout(r, 0))

describe("coalesced", () => {
    test("calls during a run never overlap it, and make exactly one more run", async () => {
        let running = 0
        let runs = 0
        let overlapped = false
        const run = coalesced(async () => {
            overlapped ||= running > 0
            running++
            runs++
            await tick()
            running--
        })
        const first = run()
        await Promise.all([run(), run(), run()])
        await first
        expect(overlapped).toBe(false)
        expect(runs).toBe(2)
        await run()
        expect(runs).toBe(3)
    })

    test("a run that throws does not leave it stuck", async () => {
        let runs = 0
        const run = coalesced(async () => {
            runs++
            if (runs === 1) throw new Error("boom")
        })
        await expect(run()).rejects.toThrow("boom")
        await run()
        expect(runs).toBe(2)
    })
})
