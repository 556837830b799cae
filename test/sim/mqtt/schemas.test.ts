import { describe, expect, test } from "vitest"
import { readFileSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import {
    eventMessage,
    offlineMessage,
    sessionMessage,
    statusMessage,
    telemetryMessage,
    type EventKind,
    type StallIdentity,
} from "../../../src/core/stall/messages"
import { StallController, type Publish } from "../../../src/core/stall/controller"
import { Replay } from "../../../src/core/trace/replay"
import type { SessionRecord } from "../../../src/core/billing/session"
import { presetTariff } from "../../../src/core/billing/tariff"
import { MESSAGE_KINDS, kindOfTopic, toKind, validateMessage, validateText } from "../../../sim/mqtt/schemas"
import { BAD_COMMANDS, topicOf } from "../../helpers/bad-commands"

const VECTORS = join(import.meta.dirname, "..", "..", "vectors")
const ID: StallIdentity = { stallId: "S1", prefix: "stalls", connector: "NACS", fw: "0.1.0" }
const AT = 1_700_000_000_000 // a site-clock time
const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x))

/** Sets (or, with undefined, deletes) the field at a /-separated path of a copy. */
function changed(msg: unknown, path: string, value: unknown): unknown {
    const copy = clone(msg) as Record<string, any>
    const keys = path.split("/")
    const last = keys.pop()!
    const parent = keys.reduce((o, k) => o[k], copy)
    if (value === undefined) delete parent[last]
    else parent[last] = value
    return copy
}

/** Vector 01 (DE-2017, both tiers) through the core, with telemetry snapshots on the way. */
function runVector01() {
    const trace = JSON.parse(readFileSync(join(VECTORS, "01-de-basic-tiers.json"), "utf8"))
    const replay = new Replay(trace)
    const snapshots: ReturnType<StallAccounting["snapshot"]>[] = []
    for (const row of trace.rows) {
        replay.row(row)
        if (Array.isArray(row) && (row[0] as number) % 300000 === 0) snapshots.push(replay.acct.snapshot())
    }
    const out = replay.take()
    const record = out.find((o) => o.type === "session") as SessionRecord
    return { trace, out, record, snapshots }
}

const run = runVector01()
const SESSION_ID = "S1-4-1"
const session = sessionMessage(ID, clone(run.record), SESSION_ID, AT, AT + 2_095_000)

describe("what the builders in src/core/stall/messages.ts produce is valid", () => {
    test("the session record of vector 01 (DE-2017, both tiers)", () => {
        expect(run.record.tierMinutes).toEqual([8, 24])
        expect(validateMessage("session", session)).toBeNull()
        // before the stall knew the site clock
        expect(validateMessage("session", sessionMessage(ID, clone(run.record), SESSION_ID, null, null))).toBeNull()
    })

    test("every session record of every shared vector", () => {
        const names = readdirSync(VECTORS).filter((f) => f.endsWith(".expected.jsonl"))
        let n = 0
        for (const f of names)
            for (const line of readFileSync(join(VECTORS, f), "utf8").split("\n")) {
                if (!line.includes('"type":"session"')) continue
                const rec = JSON.parse(line) as SessionRecord
                expect(
                    validateMessage("session", sessionMessage(ID, rec, "S1-1-" + rec.sessionSeq, null, null)),
                    f
                ).toBeNull()
                n++
            }
        expect(n).toBeGreaterThan(20)
    })

    test("status for every state change, with and without the site clock", () => {
        let sessionId: string | null = null
        for (const o of run.out) {
            if (o.type !== "status") continue
            sessionId = o.state === "available" ? null : SESSION_ID
            expect(validateMessage("status", statusMessage(ID, o.state, sessionId, o.t, AT, null, 0))).toBeNull()
            expect(validateMessage("status", statusMessage(ID, o.state, sessionId, o.t, null, null, 3))).toBeNull()
        }
        for (const reason of ["pilot", "meter", "roles"] as const)
            expect(validateMessage("status", statusMessage(ID, "faulted", null, 5, null, reason, 64))).toBeNull()
    })

    test("the will (offline), on the status topic and on its own", () => {
        const will = JSON.parse(offlineMessage(ID))
        expect(validateMessage("status", will)).toBeNull()
        expect(validateMessage("offline", will)).toBeNull()
        expect(validateText(kindOfTopic("stalls/S1/status", "stalls", "S1")!, offlineMessage(ID))).toBeNull()
    })

    test("telemetry before, during and after the session", () => {
        expect(run.snapshots.length).toBeGreaterThan(5)
        const idle = new StallAccounting(configFrom({})).snapshot()
        expect(validateMessage("telemetry", telemetryMessage(ID, idle, null, 0, null))).toBeNull()
        for (const snap of run.snapshots) {
            const m = telemetryMessage(ID, snap, snap.session ? SESSION_ID : null, snap.lastT ?? 0, AT)
            expect(validateMessage("telemetry", m)).toBeNull()
        }
        const charging = run.snapshots.find((s) => s.state === "charging" && s.currentTier === 1)
        expect(charging).toBeDefined()
    })

    test("every event kind", () => {
        const kinds: EventKind[] = [
            "boot",
            "command_rejected",
            "authorized",
            "tariff_changed",
            "fault",
            "config_invalid",
            "checkpoint_invalid",
            "storage_error",
            "outbox_full",
            "outbox_overflow",
            "roles_ambiguous",
            "link_reset",
        ]
        for (const k of kinds) expect(validateMessage("event", eventMessage(ID, k, "why", 1234, AT))).toBeNull()
        expect(validateMessage("event", eventMessage(ID, "boot", "", 0, null))).toBeNull()
        const summary = { sessionId: SESSION_ID, energyWh: 41_250, totalMinor: 1234, currency: "EUR" }
        expect(validateMessage("event", eventMessage(ID, "outbox_full", "why", 9, AT, summary))).toBeNull()
        const unread = { sessionId: SESSION_ID, energyWh: null, totalMinor: null, currency: null }
        expect(validateMessage("event", eventMessage(ID, "outbox_overflow", "why", 9, null, unread))).toBeNull()
        expect(
            validateMessage("event", eventMessage(ID, "outbox_full", "why", 9, AT, { ...summary, energyWh: -1 }))
        ).not.toBeNull()
    })

    test("tap rows mirroring vector 01 (samples in mV/mA, events as applied)", () => {
        for (const row of run.trace.rows) {
            const tap = Array.isArray(row)
                ? [row[0], row[1], Math.round(row[2] * 1000), Math.round(row[3] * 1000)]
                : { t: row.t, event: row.event, account: row.account, freeWh: row.freeWh ?? 0 }
            expect(validateMessage("tap", tap)).toBeNull()
        }
        expect(validateMessage("tap", [5, "C", null, null])).toBeNull()
        expect(validateMessage("tap", { t: 0, event: "reboot" })).toBeNull()
        expect(validateMessage("tap", { t: 60000, event: "checkpoint", rows: 61 })).toBeNull()
        expect(validateMessage("echo", 1)).toBeNull()
        expect(validateMessage("tap", { t: 9, event: "tariff", tariff: presetTariff("V3-4TIER") })).toBeNull()
        expect(validateMessage("tap", { t: 9, event: "sharing", on: true })).toBeNull()
        expect(validateMessage("tap", { t: 9, event: "occupancy", percent: 100 })).toBeNull()
    })
})

describe("what the controller actually publishes is valid", () => {
    /** Vector 01 through the real StallController (tap on), plus every malformed command. */
    function publishes(): Publish[] {
        const acct = new StallAccounting(configFrom({}))
        const ctl = new StallController(ID, acct, 4, [], {
            telemetryMs: 10000,
            resendMs: 30000,
            tap: true,
            maxOutbox: 4,
        })
        const out: Publish[] = []
        const drain = () => out.push(...ctl.take())
        ctl.boot(0, "test", true)
        ctl.connected(0)
        ctl.message("stalls/clock", JSON.stringify({ epochMs: AT }), 0)
        ctl.message("stalls/site/occupancy", JSON.stringify({ percent: 100 }), 0)
        ctl.message("stalls/S1/cmd/sharing", JSON.stringify({ on: true }), 0)
        let t = 0
        for (const row of run.trace.rows) {
            if (Array.isArray(row)) {
                t = row[0]
                ctl.sample(t, row[1], Math.round(row[2] * 1000), Math.round(row[3] * 1000))
                ctl.tick(t)
                if (t % 60000 === 0) ctl.checkpointSaved(ctl.takeCheckpoint(), t)
            } else ctl.message("stalls/S1/cmd/authorize", JSON.stringify({ account: row.account }), t)
            drain()
        }
        ctl.sample(t + 1000, "B", null, null) // failed reads go out as null
        ctl.message("stalls/S1/cmd/tariff", JSON.stringify(presetTariff("FR-2017")), t + 1000)
        for (const c of BAD_COMMANDS) ctl.message(topicOf(c, "stalls", "S1"), c.payload, t + 2000)
        ctl.disconnected()
        ctl.connected(t + 3000) // status again, and the unacknowledged record resent
        drain()
        return out
    }

    test("every publish matches the schema of its topic", () => {
        const out = publishes()
        const kinds = new Set<string>()
        for (const p of out) {
            const kind = kindOfTopic(p.topic, "stalls", "S1")
            expect(kind, p.topic).not.toBeNull()
            expect(validateText(kind!, p.payload), p.payload).toBeNull()
            kinds.add(kind!)
        }
        expect([...kinds].sort()).toEqual(["event", "session", "status", "tap", "telemetry"])
        // sent, resent until acked (periodically and on reconnect), always the same record
        const records = out.filter((p) => p.topic.endsWith("/session")).map((p) => p.payload)
        expect(records.length).toBeGreaterThanOrEqual(2)
        expect(new Set(records).size).toBe(1)
        expect(JSON.parse(records[0]).sessionId).toBe("S1-4-1")
    })
})

// ---- broken copies are not ------------------------------------------------------------------

const status = statusMessage(ID, "charging", SESSION_ID, 1016000, AT, null, 1)
const telemetry = telemetryMessage(
    ID,
    run.snapshots.find((s) => s.state === "charging")!,
    SESSION_ID,
    1500000,
    AT
)
const event = eventMessage(ID, "command_rejected", "tariff: not JSON", 1234, null)

const BROKEN: [string, unknown, string, unknown][] = [
    // [kind, message, path, value (undefined = delete)]
    ["session", session, "energyWh", 46379.4],
    ["session", session, "cost/totalMinor", 952.5],
    ["session", session, "tierMs/1", 1440000.1],
    ["session", session, "faults/gapMs", -1],
    ["session", session, "pluggedAt", 1.7e12 + 0.5],
    ["session", session, "cost/totalMinor", undefined],
    ["session", session, "faults", undefined],
    ["session", session, "sessionId", undefined],
    ["session", session, "stallId", undefined],
    ["session", session, "fw", undefined],
    ["session", session, "pluggedAt", undefined],
    ["session", session, "vat", 19],
    ["session", session, "cost/vatMinor", 0],
    ["session", session, "faults/extra", 0],
    ["session", session, "type", "status"],
    ["session", session, "v", 2],
    ["session", session, "currency", "eur"],
    ["session", session, "sessionId", "S1"],
    ["session", session, "tierMinutes", [40]],
    ["session", session, "account", ""],
    ["status", status, "sinceMs", 1016000.5],
    ["status", status, "since", undefined],
    ["status", status, "fw", undefined],
    ["status", status, "extra", true],
    ["status", status, "state", "Charging"],
    ["status", status, "connector", "CHAdeMO"],
    ["status", status, "faultReason", "other"],
    ["status", status, "stallId", "S1/status"],
    ["offline", JSON.parse(offlineMessage(ID)), "since", 0],
    ["offline", JSON.parse(offlineMessage(ID)), "state", "available"],
    ["telemetry", telemetry, "powerW", 60000.5],
    ["telemetry", telemetry, "energyWh", 1.5],
    ["telemetry", telemetry, "tier", 8],
    ["telemetry", telemetry, "costMinor", undefined],
    ["telemetry", telemetry, "powerKw", 60],
    ["telemetry", telemetry, "at", "2023-11-14T22:13:20Z"],
    ["telemetry", telemetry, "sharing", undefined],
    ["telemetry", telemetry, "sharing", 1],
    ["telemetry", telemetry, "occupancyPct", 40.5],
    ["telemetry", telemetry, "occupancyPct", 101],
    ["telemetry", telemetry, "idleFactor", -1],
    ["telemetry", telemetry, "idleFactor", undefined],
    ["event", event, "t", 1.5],
    ["event", event, "kind", "panic"],
    ["event", event, "detail", undefined],
    ["event", event, "extra", 1],
    ["tap", [1000, "C", 400000, 5000], "2", 400000.5],
    ["tap", [1000, "C", 400000, 5000], "1", "G"],
    ["tap", [1000, "C", 400000, 5000], "4", 0],
    ["tap", [1000, "C", 400000, 5000], "3", undefined],
    ["tap", { t: 1, event: "reboot" }, "extra", 1],
    ["tap", { t: 1, event: "authorize", account: "a", freeWh: 0 }, "freeWh", undefined],
    ["tap", { t: 1, event: "tariff", tariff: presetTariff("DE-2017") }, "tariff/periodMs", 999],
    ["tap", { t: 1, event: "reboot" }, "event", "unplug"],
    ["tap", { t: 1, event: "checkpoint", rows: 3 }, "rows", 2.5],
    ["tap", { t: 1, event: "sharing", on: false }, "on", "false"],
    ["tap", { t: 1, event: "sharing", on: false }, "on", undefined],
    ["tap", { t: 1, event: "occupancy", percent: 40 }, "percent", 40.5],
    ["tap", { t: 1, event: "occupancy", percent: 40 }, "percent", undefined],
    ["cmd/sharing", { on: true }, "on", "true"],
    ["site/occupancy", { percent: 40 }, "percent", 101],
    ["cmd/ack", { sessionId: SESSION_ID }, "sessionId", 7],
    ["clock", { epochMs: AT }, "epochMs", AT + 0.5],
]

describe("broken copies are rejected with a readable reason", () => {
    test.each(BROKEN)("%s with %s = %j", (kind, msg, path, value) => {
        expect(validateMessage(kind, msg)).toBeNull() // the original is fine
        const error = validateMessage(kind, changed(msg, path, value))
        expect(error).toMatch(new RegExp("^" + toKind(kind)!.replace("/", "\\/") + "|^offline: "))
    })

    test("errors name the field", () => {
        expect(validateMessage("session", changed(session, "cost/totalMinor", 952.5))).toContain(
            "/cost/totalMinor must be integer"
        )
        expect(validateMessage("session", changed(session, "vat", 19))).toContain('unknown property "vat"')
        expect(validateMessage("status", changed(status, "fw", undefined))).toContain("'fw'")
        expect(validateText("status", "{not json")).toBe("status: not JSON")
        expect(validateMessage("nope", {})).toContain("unknown message kind")
    })
})

describe("kinds and topics", () => {
    test("every kind has a schema, reachable by topic suffix and file stem", () => {
        for (const k of MESSAGE_KINDS) expect(validateMessage(k, null)).toMatch(/must be|must have/)
        expect(toKind("cmd-tariff")).toBe("cmd/tariff")
        expect(toKind("tap-row")).toBe("tap")
        expect(toKind("site-occupancy")).toBe("site/occupancy")
        expect(toKind("cmd-sharing")).toBe("cmd/sharing")
    })

    test("topics map to kinds exactly", () => {
        const k = (t: string) => kindOfTopic(t, "stalls", "S1")
        expect(k("stalls/S1/status")).toBe("status")
        expect(k("stalls/S1/telemetry")).toBe("telemetry")
        expect(k("stalls/S1/session")).toBe("session")
        expect(k("stalls/S1/event")).toBe("event")
        expect(k("stalls/S1/tap")).toBe("tap")
        expect(k("stalls/S1/echo")).toBe("echo")
        expect(k("stalls/S1/cmd/ack")).toBe("cmd/ack")
        expect(k("stalls/clock")).toBe("clock")
        expect(k("stalls/site/occupancy")).toBe("site/occupancy")
        expect(k("stalls/S1/cmd/sharing")).toBe("cmd/sharing")
        for (const t of [
            "stalls/S10/status",
            "stalls/S1/status/x",
            "stalls/S1",
            "stalls/S1/",
            "stalls/S1/cmd",
            "x/S1/status",
            "stalls/S1/clock",
        ])
            expect(k(t)).toBeNull()
        expect(kindOfTopic("site/7/S1/session", "site/7", "S1")).toBe("session")
    })
})
