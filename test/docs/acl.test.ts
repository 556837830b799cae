// docs/mosquitto-acl.conf against a real mosquitto: a stall (username = STALL_ID) is
// confined to its own topics, the backend reads all and writes commands and the clock.
//
// "Denied" is silent in MQTT 3.1.1 (a refused publish is acked and dropped, a refused
// read is just not delivered), so each check sends the forbidden messages first and a
// permitted marker last, on one connection: mosquitto keeps a publisher's order, so once
// the marker arrived, anything the ACL let through would have arrived before it.

import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { pbkdf2Sync, randomBytes } from "node:crypto"
import { accessSync, chmodSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import mqtt, { type MqttClient } from "mqtt"
import { freePort, waitForPort } from "../../sim/live/ports"
import { killChild, spawnTracked, type Child } from "../../sim/live/process"

const ACL = join(import.meta.dirname, "..", "..", "docs", "mosquitto-acl.conf")
const USERS = ["S1", "S2", "S10", "backend"]
const password = (user: string) => "pw-" + user

function mosquittoBin(): string | null {
    for (const dir of [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"]) {
        try {
            accessSync(join(dir, "mosquitto"), constants.X_OK)
            return join(dir, "mosquitto")
        } catch {
            // not here
        }
    }
    return null
}

/**
 * A mosquitto password-file line in its own format ($7$: PBKDF2-SHA512, 101
 * iterations, base64 salt and hash), so the test needs no mosquitto_passwd.
 */
function passwordLine(user: string, pw: string): string {
    const salt = randomBytes(12)
    const hash = pbkdf2Sync(pw, salt, 101, 64, "sha512")
    return `${user}:$7$101$${salt.toString("base64")}$${hash.toString("base64")}`
}

const bin = mosquittoBin()
// CI installs mosquitto (.ci/run); a developer machine without it skips, CI fails
const run = bin !== null || process.env.CI === "true"

describe.runIf(run)("mosquitto ACL (docs/mosquitto-acl.conf)", () => {
    let dir: string
    let broker: Child
    let port: number
    const log: string[] = []
    const clients: MqttClient[] = []

    beforeAll(async () => {
        if (!bin) throw new Error("mosquitto is not installed: apt-get install -y mosquitto")
        dir = mkdtempSync(join(tmpdir(), "acl-"))
        port = await freePort()
        writeFileSync(join(dir, "passwd"), USERS.map((u) => passwordLine(u, password(u))).join("\n") + "\n")
        writeFileSync(join(dir, "acl"), readFileSync(ACL))
        const conf = [
            `listener ${port} 127.0.0.1`,
            "allow_anonymous false",
            `password_file ${join(dir, "passwd")}`,
            `acl_file ${join(dir, "acl")}`,
            "persistence false",
        ]
        writeFileSync(join(dir, "mosquitto.conf"), conf.join("\n") + "\n")
        // run as root, mosquitto drops to its own user before it reads these files
        chmodSync(dir, 0o755)
        for (const f of ["passwd", "acl", "mosquitto.conf"]) chmodSync(join(dir, f), 0o644)
        broker = spawnTracked(bin, ["-c", join(dir, "mosquitto.conf")], {}, (l) => log.push(l))
        await waitForPort(port, 5000, broker.exited, () => log.join("\n"))
    })

    afterAll(async () => {
        for (const c of clients) c.end(true)
        if (broker) await killChild(broker)
        if (dir) rmSync(dir, { recursive: true, force: true })
    })

    async function connect(user: string | null, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
            protocolVersion: 4, // MQTT 3.1.1, as the DeviceScript client speaks it
            reconnectPeriod: 0,
            connectTimeout: 3000,
            clientId: `${user ?? "anon"}-${clients.length}`,
            ...(user ? { username: user, password: password(user) } : {}),
            ...options,
        })
        clients.push(c)
        return c
    }

    /** Topics `c` receives from now on, in order; `until(topic)` resolves when one arrives. */
    function record(c: MqttClient) {
        const seen: string[] = []
        const waiters: [string, () => void][] = []
        c.on("message", (topic) => {
            seen.push(topic)
            for (const [t, done] of waiters) if (t === topic) done()
        })
        const until = (topic: string) =>
            new Promise<void>((resolve, reject) => {
                if (seen.includes(topic)) return resolve()
                const timer = setTimeout(
                    () => reject(new Error(`${topic} never arrived; got ${seen.join(", ")}`)),
                    4000
                )
                waiters.push([topic, () => (clearTimeout(timer), resolve())])
            })
        return { seen, until }
    }

    test("no login without the right password", async () => {
        await expect(connect(null)).rejects.toThrow(/authori/i)
        await expect(connect("S1", { password: "wrong" })).rejects.toThrow(/authori|password/i)
    })

    test("a stall writes only its own topics", async () => {
        const backend = await connect("backend")
        const got = record(backend)
        await backend.subscribeAsync("stalls/#", { qos: 1 })
        const s1 = await connect("S1")
        const forbidden = [
            "stalls/S2/status", // impersonate another stall
            "stalls/S10/status", // a stall id that starts with ours
            "stalls/S2/session",
            "stalls/S2/cmd/tariff", // command another stall
            "stalls/S1/cmd/tariff", // or forge its own commands
            "stalls/clock", // or the site clock
            "stalls/site/occupancy", // or how full the site is (idle fees follow it)
            "stalls/S1/status/x",
        ]
        for (const t of forbidden) await s1.publishAsync(t, "{}", { qos: 1 })
        const own = ["stalls/S1/status", "stalls/S1/telemetry", "stalls/S1/session", "stalls/S1/event", "stalls/S1/tap"]
        for (const t of own) await s1.publishAsync(t, "{}", { qos: 1 })
        await got.until("stalls/S1/tap")
        expect(got.seen).toEqual(own)
    })

    test("a stall reads only its own commands, the site clock and the occupancy", async () => {
        const s1 = await connect("S1")
        const s2 = await connect("S2")
        const got1 = record(s1)
        const got2 = record(s2)
        // broad filters on purpose: the broker must filter what it delivers, not only what it grants
        const granted = await s1.subscribeAsync(["stalls/#", "stalls/S2/cmd/#", "stalls/+/cmd/#", "stalls/S1/cmd/#"], {
            qos: 1,
        })
        await s2.subscribeAsync(["stalls/S2/cmd/#", "stalls/clock", "stalls/site/occupancy"], { qos: 1 })
        await s2.publishAsync("stalls/S2/status", '{"state":"available"}', { qos: 1 })
        const backend = await connect("backend")
        await backend.publishAsync("stalls/S2/cmd/tariff", "{}", { qos: 1 })
        await backend.publishAsync("stalls/S10/cmd/ack", "{}", { qos: 1 })
        await backend.publishAsync("stalls/clock", '{"epochMs":1700000000000}', { qos: 1, retain: true })
        await backend.publishAsync("stalls/site/occupancy", '{"percent":40}', { qos: 1, retain: true })
        await backend.publishAsync("stalls/S1/cmd/authorize", "{}", { qos: 1 })
        await got1.until("stalls/S1/cmd/authorize")
        await got2.until("stalls/S2/cmd/tariff")
        expect(new Set(got1.seen)).toEqual(
            new Set(["stalls/clock", "stalls/site/occupancy", "stalls/S1/cmd/authorize"])
        )
        expect(got2.seen).toContain("stalls/clock")
        expect(got2.seen).toContain("stalls/site/occupancy")
        expect(granted.length).toBe(4) // mosquitto 2 grants the filters and filters per message
    })

    test("a stall hears its own echo (the liveness probe), not another stall's", async () => {
        const s1 = await connect("S1")
        const s2 = await connect("S2")
        const got = record(s1)
        await s1.subscribeAsync(["stalls/S1/echo", "stalls/S2/echo"], { qos: 0 })
        await s2.subscribeAsync("stalls/S2/echo", { qos: 0 })
        await s2.publishAsync("stalls/S2/echo", "1", { qos: 1 })
        await s1.publishAsync("stalls/S2/echo", "1", { qos: 1 }) // denied: S2 must not hear it
        await s1.publishAsync("stalls/S1/echo", "1", { qos: 1 })
        await got.until("stalls/S1/echo")
        expect(got.seen).toEqual(["stalls/S1/echo"])
    })

    test("the backend reads every stall (also through a shared subscription) but cannot forge records", async () => {
        const observer = await connect("backend")
        const got = record(observer)
        await observer.subscribeAsync(["$share/backend/stalls/+/session", "stalls/+/status"], { qos: 1 })
        const writer = await connect("backend")
        await writer.publishAsync("stalls/S1/session", '{"forged":true}', { qos: 1 })
        await writer.publishAsync("stalls/S2/status", '{"forged":true}', { qos: 1 })
        const s2 = await connect("S2")
        await s2.publishAsync("stalls/S2/session", "{}", { qos: 1 })
        await got.until("stalls/S2/session")
        expect(got.seen).toEqual(["stalls/S2/session"])
    })

    test("the will: a stall's own offline status is published, a forged one is not", async () => {
        const backend = await connect("backend")
        const got = record(backend)
        await backend.subscribeAsync("stalls/+/status", { qos: 1 })
        const offline = (id: string) => ({
            topic: `stalls/${id}/status`,
            payload: `{"v":1,"stallId":"${id}","state":"offline"}`,
            qos: 1 as const,
            retain: true,
        })
        // a will the ACL refuses either makes mosquitto refuse the connection or is dropped
        const forger = await connect("S1", { will: offline("S2") }).catch(() => null)
        const s1 = await connect("S1", { will: offline("S1") })
        forger?.stream.destroy() // a power cut: no DISCONNECT, so the broker sends the will
        s1.stream.destroy()
        await got.until("stalls/S1/status")
        await new Promise((r) => setTimeout(r, 300)) // the forger's will, if any, has no order to keep
        expect(got.seen).toEqual(["stalls/S1/status"])
    })
})
