import { afterAll, beforeAll, expect, test } from "vitest"
import type { Live } from "../../sim/live/index"
import { commandFilter } from "../../src/core/stall/index"
import { BAD_COMMANDS, topicOf } from "../helpers/bad-commands"
import { drive, json, PREFIX, STALL, topic, sleep, startStall, waitStatus, ready } from "./stall"

// Over a hundred malformed commands, and commands on other stalls' topics: each of
// the stall's own is rejected with an event, nothing changes, the stall keeps running.
let live: Live
beforeAll(async () => {
    live = await startStall("mosquitto")
    await ready(live)
})
afterAll(async () => live?.stop())

test("every malformed command is rejected with an event and changes nothing", async () => {
    const c = live.collector
    const mine = BAD_COMMANDS.filter((b) => !b.otherStall)
    const foreign = BAD_COMMANDS.filter((b) => b.otherStall)
    expect(mine.length).toBeGreaterThanOrEqual(100)
    const since = c.count
    for (const b of [...mine, ...foreign]) {
        await c.publish(topicOf(b, "stalls", "S1"), b.payload)
        // 10 a second: a backend misbehaving, not a denial of service (the VM's MQTT
        // client copies every received chunk; see docs/mqtt.md "Flow control")
        await sleep(100)
    }
    // each rejection has its own event, unless they came faster than the link could
    // send them: then an events_dropped event counts the rest (the VM's heap is 64 KB)
    const events = () => json(c.received.slice(since), "event")
    const dropped = () =>
        events()
            .filter((e) => e.kind === "events_dropped")
            .reduce((n, e) => n + Number(/^(\d+) events dropped/.exec(e.detail)![1]), 0)
    const rejected = () => ({ length: events().filter((e) => e.kind === "command_rejected").length + dropped() })
    // foreign topics under the stall's own cmd/ subscription are rejected too; others never arrive
    const underOwnCmd = foreign.filter((b) =>
        topicOf(b, PREFIX, STALL).startsWith(commandFilter(PREFIX, STALL).replace("#", ""))
    ).length
    const expected = mine.length + underOwnCmd
    await c
        .waitFor(() => rejected().length >= expected, 90_000, `${expected} command_rejected events`, since)
        .catch((e) => {
            const others = events().filter((x) => x.kind !== "command_rejected")
            throw new Error(`${e.message}\ngot ${rejected().length}; other events: ${JSON.stringify(others)}`)
        })
    await sleep(2000)
    expect(rejected().length).toBe(expected)
    expect(events().filter((e) => e.kind !== "command_rejected" && e.kind !== "events_dropped")).toEqual([])

    // nothing changed: still available, still the default tariff, still charging and billing
    expect(json(c.received.slice(since), "status")).toEqual([])
    await drive(live, [
        [{ pilot: "B", volts: 400, amps: 0 }, 1500],
        [{ pilot: "C", volts: 400, amps: 200 }, 3000],
        [{ pilot: "A", volts: 0, amps: 0 }, 0],
    ])
    const rec = (await c.waitFor((m) => m.topic === topic("session"), 15_000, "a session after the flood", since))
        .json as any
    expect(rec).toMatchObject({ tariffId: "DE-2017", account: null, sessionSeq: 1 })
})
