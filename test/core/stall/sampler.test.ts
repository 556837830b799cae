import { describe, expect, test } from "vitest"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import { Publish, StallController } from "../../../src/core/stall/controller"
import { pilotNominalVolts } from "../../../src/core/stall/pilot-line"
import { BIND_GRACE_MS, Sampler, SensorPort } from "../../../src/core/stall/sampler"

const ID = { stallId: "S1", prefix: "stalls", connector: "NACS", fw: "test" }

class FakeSensors implements SensorPort {
    why: string | null = null
    bound = false
    pilotVolts = pilotNominalVolts("A")
    meter: (number | null)[] = [0, 0]
    identified() {
        return this.bound
    }
    async identify() {
        this.bound = this.why === null
        return this.why
    }
    readMeter() {
        return this.meter
    }
    readPilotVolts() {
        return this.pilotVolts
    }
}

function setup() {
    const ctl = new StallController(ID, new StallAccounting(configFrom({})), 1, [], {
        telemetryMs: 10_000,
        resendMs: 30_000,
        tap: false,
        maxOutbox: 4,
    })
    ctl.connected(0)
    ctl.take()
    const sensors = new FakeSensors()
    const clock = { t: 0 }
    const sampler = new Sampler(
        ctl,
        sensors,
        () => clock.t,
        () => clock.t
    )
    const statuses = (p: Publish[]) =>
        p.filter((x) => x.topic.endsWith("/status")).map((x) => JSON.parse(x.payload).state as string)
    return { ctl, sensors, clock, sampler, statuses }
}

describe("sampler", () => {
    test("nothing is sampled until the pilot is debounced: a boot's first A is not an unplug", async () => {
        const { ctl, sensors, sampler } = setup()
        await sampler.sample()
        expect(ctl.acct.lastT()).toBe(0)
        expect(ctl.acct.snapshot().lastT).toBeNull()
        sensors.pilotVolts = pilotNominalVolts("B")
        expect([sampler.readPilot(), sampler.readPilot(), sampler.readPilot()]).toEqual([false, false, true])
        await sampler.sample()
        expect(ctl.acct.stateName()).toBe("preparing")
    })

    test("sensors that cannot be told apart: quiet during the bind grace, then faulted and kept sampling", async () => {
        const { ctl, sensors, clock, sampler, statuses } = setup()
        sensors.why = "voltage sensors named volt and volt"
        clock.t = BIND_GRACE_MS - 1
        await sampler.sample()
        expect(ctl.take()).toEqual([])
        for (const t of [BIND_GRACE_MS, BIND_GRACE_MS + 1000]) {
            clock.t = t
            await sampler.sample()
        }
        const out = ctl.take()
        expect(statuses(out)).toContain("faulted")
        expect(out.some((p) => p.topic.endsWith("/event") && p.payload.includes("roles_ambiguous"))).toBe(true)
        expect(ctl.acct.snapshot().lastT).toBe(BIND_GRACE_MS + 1000)
        // told apart later: the roles fault clears, and the pilot read (A) ends the pilot fault
        sensors.why = null
        clock.t += 1000
        await sampler.sample()
        for (let i = 0; i < 3; i++) sampler.readPilot()
        clock.t += 1000
        await sampler.sample()
        expect(statuses(ctl.take()).pop()).toBe("available")
    })

    test("sensors still being told apart (names being read) are no fault, even past the bind grace", async () => {
        const { ctl, sensors, clock, sampler } = setup()
        sensors.why = ""
        for (const t of [BIND_GRACE_MS, BIND_GRACE_MS + 1000]) {
            clock.t = t
            await sampler.sample()
        }
        expect(ctl.take()).toEqual([])
        expect(ctl.acct.snapshot().lastT).toBeNull()
    })

    test("a failed meter read reaches the core as an invalid reading, not a crash", async () => {
        const { ctl, sensors, clock, sampler } = setup()
        sensors.pilotVolts = pilotNominalVolts("C")
        sensors.meter = [null, null]
        await sampler.sample()
        for (let i = 0; i < 3; i++) sampler.readPilot()
        for (const t of [1000, 2000]) {
            clock.t = t
            await sampler.sample()
        }
        expect(ctl.acct.snapshot()).toMatchObject({ state: "preparing", readingValid: false })
    })
})
