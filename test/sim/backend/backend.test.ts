import { isDeepStrictEqual } from "node:util"
import { Aedes } from "aedes"
import mqtt, { type MqttClient } from "mqtt"
import { mkdtempSync, rmSync } from "node:fs"
import net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { Backend } from "../../../sim/backend/backend"
import { siteAvailabilityTopic, siteOccupancyTopic } from "../../../src/core/stall/index"
import { httpPort, startHttp } from "../../../sim/backend/http"
import { freePort } from "../../../sim/live/ports"
import { dayOfRecords, STALL_ID } from "../../store/records"

// The backend between a real broker (aedes, in this process, so a test can drop what
// it forwards) and SQLite: ingest once per sessionId, ack after the commit, rejects,
// availability and the HTTP API with bad input.
let dir: string
let port: number
let aedes: Aedes
let server: net.Server
/** while set, acks are not forwarded to the stall: as if the backend died before sending them */
let blockAcks = false

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "backend-"))
    aedes = await Aedes.createBroker()
    aedes.authorizeForward = (_client, packet) => (blockAcks && packet.topic.endsWith("/cmd/ack") ? null : packet)
    server = net.createServer((s) => aedes.handle(s))
    port = await freePort()
    await new Promise<void>((r) => server.listen(port, "127.0.0.1", r))
})
afterAll(async () => {
    await new Promise<void>((r) => aedes.close(() => r()))
    await new Promise((r) => server.close(r))
    rmSync(dir, { recursive: true, force: true })
})

const url = () => `mqtt://127.0.0.1:${port}`
let dbs = 0
const start = (db = `sqlite:${join(dir, `b${dbs++}.db`)}`) => Backend.start({ brokerUrl: url(), dbUrl: db })

/** A stall's side of the wire: publishes records, collects the acks it gets. */
async function stall(): Promise<{ client: MqttClient; acks: string[] }> {
    const client = await mqtt.connectAsync(url(), { clientId: `stall-${Math.random()}` })
    const acks: string[] = []
    client.on("message", (topic, buf) => {
        if (topic.endsWith("/cmd/ack")) acks.push(JSON.parse(buf.toString()).sessionId)
    })
    await client.subscribeAsync(`stalls/${STALL_ID}/cmd/#`, { qos: 1 })
    return { client, acks }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
    const end = Date.now() + ms
    while (!(await ok())) {
        if (Date.now() > end) throw new Error(`timed out: ${what}`)
        await new Promise((r) => setTimeout(r, 20))
    }
}

const sessionTopic = `stalls/${STALL_ID}/session`

describe("ingest", () => {
    test("the same record three times: one row, three acks", async () => {
        const b = await start()
        const s = await stall()
        const [r] = dayOfRecords(1)
        for (let i = 0; i < 3; i++) await s.client.publishAsync(sessionTopic, JSON.stringify(r), { qos: 1 })
        await until("three acks", () => s.acks.length === 3)
        expect(s.acks).toEqual([r.sessionId, r.sessionId, r.sessionId])
        expect(await b.store.count("sessions")).toBe(1)
        expect(b.counts).toMatchObject({ received: 3, stored: 1, duplicates: 2, acked: 3, rejected: 0 })
        await s.client.endAsync()
        await b.stop()
    })

    test("killed after the commit, before the stall had its ack: the resend is acked, still one row", async () => {
        const db = `sqlite:${join(dir, "killed.db")}`
        const first = await start(db)
        const s = await stall()
        const [r] = dayOfRecords(1)
        blockAcks = true
        await s.client.publishAsync(sessionTopic, JSON.stringify(r), { qos: 1 })
        await until("the row", async () => (await first.store.count("sessions")) === 1)
        await first.settled()
        await first.stop()
        blockAcks = false
        expect(s.acks).toEqual([])
        // the stall resends (every 30 s, or on reconnect) to whichever backend runs now
        const second = await start(db)
        await s.client.publishAsync(sessionTopic, JSON.stringify(r), { qos: 1 })
        await until("the ack", () => s.acks.length === 1)
        expect(await second.store.count("sessions")).toBe(1)
        expect(second.counts).toMatchObject({ stored: 0, duplicates: 1, acked: 1 })
        await s.client.endAsync()
        await second.stop()
    })

    test("an invalid record is kept as a reject with its reason, once, and never acked", async () => {
        const b = await start()
        const s = await stall()
        const [r] = dayOfRecords(1)
        const bad = JSON.stringify({ ...r, energyWh: -5 })
        for (let i = 0; i < 2; i++) await s.client.publishAsync(sessionTopic, bad, { qos: 1 })
        await s.client.publishAsync(sessionTopic, "{not json", { qos: 1 })
        await s.client.publishAsync(`stalls/other/session`, JSON.stringify(r), { qos: 1 })
        await until("four handled", () => b.counts.received === 4)
        await b.settled()
        expect(b.counts).toMatchObject({ rejected: 4, stored: 0, acked: 0 })
        const rows = await b.store.db.all("SELECT topic, reason FROM rejects ORDER BY reason")
        expect(rows).toHaveLength(3)
        expect(rows.map((x) => x.reason).join("\n")).toMatch(/energyWh|minimum/)
        expect(rows.map((x) => x.reason)).toContain("not JSON")
        expect(rows.map((x) => x.reason)).toContain(`stallId ${STALL_ID} published on other's topic`)
        expect(s.acks).toEqual([])
        expect(await b.store.count("sessions")).toBe(0)
        await s.client.endAsync()
        await b.stop()
    })
})

describe("availability and HTTP", () => {
    let b: Backend
    let base: string
    let closeHttp: () => void
    let s: { client: MqttClient; acks: string[] }
    const status = (stallId: string, state: string, connector = "NACS") =>
        s.client.publishAsync(
            `stalls/${stallId}/status`,
            JSON.stringify({
                v: 1,
                stallId,
                state,
                connector,
                sessionId: null,
                sinceMs: 0,
                since: 5,
                fw: "t",
                outbox: 0,
            }),
            { qos: 1, retain: true }
        )
    beforeAll(async () => {
        b = await start()
        const srv = await startHttp(b, 0)
        base = `http://127.0.0.1:${httpPort(srv)}`
        closeHttp = () => srv.close()
        s = await stall()
        await status(STALL_ID, "available")
        await status("S2", "charging", "CCS1")
        await status("S3", "available", "CCS1")
        await until("three stalls", () => b.availability.list().length === 3)
    })
    afterAll(async () => {
        closeHttp()
        await s.client.endAsync()
        await b.stop()
    })

    test("stalls and free/total per connector, also retained on the site topic", async () => {
        const stalls: any = await (await fetch(`${base}/api/stalls`)).json()
        expect(stalls.stalls.map((x: any) => [x.stallId, x.state, x.online])).toEqual([
            ["S2", "charging", true],
            ["S3", "available", true],
            [STALL_ID, "available", true],
        ])
        expect(await (await fetch(`${base}/api/availability?connector=CCS1`)).json()).toEqual({
            connectors: [{ connector: "CCS1", free: 1, total: 2 }],
            occupancyPercent: 33,
        })
        await s.client.publishAsync("stalls/S3/status", JSON.stringify({ v: 1, stallId: "S3", state: "offline" }), {
            qos: 1,
            retain: true,
        })
        await until("S3 offline", () => b.availability.list().find((x) => x.stallId === "S3")?.online === false)
        // republished at most once per AVAILABILITY_MS: the retained copy catches up
        const site = await mqtt.connectAsync(url())
        const seen: any[] = []
        site.on("message", (_t, buf) => seen.push(JSON.parse(buf.toString())))
        await site.subscribeAsync(siteAvailabilityTopic("stalls"))
        const expected = [
            { connector: "CCS1", free: 0, total: 2 },
            { connector: "NACS", free: 1, total: 1 },
        ]
        await until("the retained availability", () => seen.some((m) => isDeepStrictEqual(m.connectors, expected)))
        await site.endAsync()
        expect(seen.at(-1)).toMatchObject({ v: 1, stalls: 3, connectors: expected })
        const health: any = await (await fetch(`${base}/api/health`)).json()
        expect(health).toMatchObject({ mqtt: true, stalls: 3, counts: { rejected: 0 }, errors: [] })
    })

    test("occupancy: retained on the site topic, republished when the percent changes", async () => {
        const site = await mqtt.connectAsync(url())
        const seen: number[] = []
        site.on("message", (_t, buf) => seen.push(JSON.parse(buf.toString()).percent))
        await site.subscribeAsync(siteOccupancyTopic("stalls"), { qos: 1 })
        // S2 charging of three stalls (S3 offline counts as empty): the retained 33
        await until("the retained occupancy", () => seen.includes(33))
        await status("S3", "finished", "CCS1")
        await until("S3 plugged", () => seen.at(-1) === 66)
        // a change that keeps the percent (S1 available → faulted) publishes none
        await status(STALL_ID, "faulted")
        await status("S2", "preparing", "CCS1")
        await until("both seen", () =>
            b.availability.list().every((x) => x.state !== "available" && x.state !== "charging")
        )
        const last: any = await (await fetch(`${base}/api/availability`)).json()
        expect(last.occupancyPercent).toBe(66)
        await status(STALL_ID, "available")
        await status("S3", "offline", "CCS1")
        await until("back to 33", () => seen.at(-1) === 33)
        await site.endAsync()
        expect(seen.slice(seen.indexOf(66))).toEqual([66, 33])
    })

    test("authorize: the ledger's credit goes to the stall as cmd/authorize", async () => {
        const cmds: any[] = []
        s.client.on("message", (topic, buf) => {
            if (topic.endsWith("/cmd/authorize")) cmds.push(JSON.parse(buf.toString()))
        })
        const res = await fetch(`${base}/api/stalls/${STALL_ID}/authorize`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ account: "bmw-app:42" }),
        })
        expect(res.status).toBe(200)
        expect(await res.json()).toMatchObject({ account: "bmw-app:42", freeWh: 400_000, stallId: STALL_ID })
        await until("the command", () => cmds.length === 1)
        expect(cmds).toEqual([{ account: "bmw-app:42", freeWh: 400_000 }])
    })

    test("bad input: a clear 4xx, nothing reserved or sent", async () => {
        const before = await b.store.count("reservations")
        const post = (path: string, body: string, type = "application/json") =>
            fetch(`${base}${path}`, { method: "POST", headers: { "content-type": type }, body })
        const cases: [Promise<Response>, number, RegExp][] = [
            [post(`/api/stalls/${STALL_ID}/authorize`, "{nope"), 400, /not JSON/],
            [post(`/api/stalls/${STALL_ID}/authorize`, "[]"), 400, /account/],
            [post(`/api/stalls/${STALL_ID}/authorize`, JSON.stringify({ account: "" })), 400, /account/],
            [post(`/api/stalls/${STALL_ID}/authorize`, JSON.stringify({ account: "a", freeWh: 9e9 })), 400, /freeWh/],
            [post(`/api/stalls/${STALL_ID}/authorize`, JSON.stringify({ account: "a" }), "text/plain"), 415, /json/],
            [post(`/api/stalls/${STALL_ID}/authorize`, JSON.stringify({ account: "x".repeat(5000) })), 413, /4096/],
            [post(`/api/stalls/nobody/authorize`, JSON.stringify({ account: "a" })), 404, /unknown stall/],
            [fetch(`${base}/api/stalls/${STALL_ID}/authorize`), 405, /POST/],
            [fetch(`${base}/api/sessions?from=yesterday`), 400, /from/],
            [fetch(`${base}/api/sessions?format=xml`), 400, /format/],
            [fetch(`${base}/api/availability?connector=${"x".repeat(40)}`), 400, /connector/],
            [fetch(`${base}/nothing`), 404, /no such/],
        ]
        for (const [res, code, why] of cases) {
            const r = await res
            expect(r.status).toBe(code)
            expect(((await r.json()) as any).error).toMatch(why)
        }
        expect(await b.store.count("reservations")).toBe(before)
    })

    test("export: JSON and CSV of the stored records", async () => {
        const recs = dayOfRecords(2)
        for (const r of recs) await s.client.publishAsync(sessionTopic, JSON.stringify(r), { qos: 1 })
        await until("two stored", async () => (await b.store.count("sessions")) === 2)
        const from = new Date(recs[0].unpluggedAt!).toISOString()
        const json: any = await (await fetch(`${base}/api/sessions?from=${from}`)).json()
        expect(json.sessions.map((x: any) => x.sessionId)).toEqual(recs.map((r) => r.sessionId))
        const csv = await (await fetch(`${base}/api/sessions?format=csv&account=${recs[1].account}`)).text()
        const lines = csv.trim().split("\r\n")
        expect(lines).toHaveLength(2)
        expect(lines[0]).toMatch(/^session_id,stall_id,account,/)
        const minor = recs[1].cost.totalMinor
        expect(lines[1]).toContain(`,${minor},${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")} EUR`)
    })
})
