import { describe, expect, test } from "vitest"
import fc from "fast-check"
import { RestartGuard } from "../../../src/core/stall/guard"
import type { StallState } from "../../../src/core/billing/state"
import { SETTINGS } from "../../../src/core/stall/settings"

const LIMITS = { watchdogMs: 30_000, softMs: 40 * 86_400_000, hardMs: 45 * 86_400_000 }
const STATES: StallState[] = ["available", "preparing", "charging", "finished", "faulted"]

describe("restart guard", () => {
    test("the watchdog fires once the loop has not completed for its limit, whatever the stall does", () => {
        const g = new RestartGuard(LIMITS, 1000)
        expect(g.check(31_000, "charging", true)).toBeNull()
        expect(g.check(31_001, "charging", true)).toEqual({
            kind: "watchdog_restart",
            detail: "sampling loop stuck for 30001 ms",
            reboot: false,
        })
        g.loopDone(31_001)
        expect(g.check(40_000, "charging", true)).toBeNull()
    })

    test("past the soft limit: a reboot only when available", () => {
        const g = new RestartGuard(LIMITS, 0)
        const t = LIMITS.softMs
        g.loopDone(t)
        expect(g.check(t - 1, "available", false)).toBeNull()
        expect(g.check(t, "faulted", false)).toBeNull()
        expect(g.check(t, "available", false)).toMatchObject({ kind: "planned_restart", reboot: true })
    })

    test("past the hard limit: as soon as no session is open, in any state", () => {
        const g = new RestartGuard(LIMITS, 0)
        g.loopDone(LIMITS.hardMs)
        expect(g.check(LIMITS.hardMs, "finished", true)).toBeNull()
        expect(g.check(LIMITS.hardMs, "faulted", false)).toMatchObject({ kind: "planned_restart", reboot: true })
    })

    test("property: an open session is never cut by a planned restart, and every restart is before the 32-bit wrap", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 0, max: 2 ** 33 }),
                fc.constantFrom(...STATES),
                fc.boolean(),
                (uptimeMs, state, sessionOpen) => {
                    const g = new RestartGuard(LIMITS, uptimeMs)
                    const due = g.check(uptimeMs, state, sessionOpen)
                    if (sessionOpen) expect(due).toBeNull()
                    if (!sessionOpen && uptimeMs >= LIMITS.hardMs) expect(due?.kind).toBe("planned_restart")
                    if (due) expect(uptimeMs).toBeGreaterThanOrEqual(LIMITS.softMs)
                }
            )
        )
        // no setting can put a limit past the wrap
        for (const key of ["RESTART_MS", "HARD_RST_MS"])
            expect(SETTINGS.find((s) => s.key === key)!.max).toBeLessThan(2 ** 32)
    })
})
