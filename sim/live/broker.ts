// MQTT brokers for live runs: a real mosquitto process, or aedes in this process.
// Both listen on 127.0.0.1 only, anonymous, without persistence, so a restart
// forgets retained messages and sessions.
import { accessSync, constants } from "node:fs"
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import net from "node:net"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { Aedes } from "aedes"
import { freePort, waitForPort } from "./ports"
import { killChild, spawnTracked, type Child } from "./process"

export interface Broker {
    readonly kind: "mosquitto" | "aedes"
    readonly port: number
    /** mqtt://127.0.0.1:PORT */
    readonly url: string
    /** its process while it runs (this process for aedes) */
    readonly pid: number | undefined
    /** its log lines (mosquitto only: aedes has none) */
    readonly log: readonly string[]
    /** graceful shutdown */
    stop(): Promise<void>
    /** abrupt end, like a crash */
    kill(): Promise<void>
    /** stops it if it runs, then starts it again on the same port, with empty state */
    restart(): Promise<void>
    /** hangs: connections stay open but nothing is read or answered */
    freeze(): void
    thaw(): void
}

export interface BrokerOptions {
    /** a free one by default */
    port?: number
    /** mosquitto's message_size_limit (payload bytes); 0 = none. Default MESSAGE_SIZE_LIMIT */
    messageSizeLimit?: number
    /** more mosquitto.conf lines (a bridge, queue limits) */
    config?: string[]
}

/**
 * The broker's bound on a message's payload, the second line of defence after the
 * stall's own receive limit (src/net/mqtt-reader.ts): commands are at most 1024
 * bytes, so 2048 leaves room and keeps a 64 KB flood off the stall's socket. The
 * same value as docs/mosquitto.conf.
 */
export const MESSAGE_SIZE_LIMIT = 2048

const START_TIMEOUT_MS = 10_000

// apt puts mosquitto in /usr/sbin, which is not on every user's PATH
function findMosquitto(): string {
    const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"]
    for (const dir of dirs) {
        const bin = join(dir, "mosquitto")
        try {
            accessSync(bin, constants.X_OK)
            return bin
        } catch {
            // not in this one
        }
    }
    throw new Error("mosquitto is not installed: apt-get install -y mosquitto")
}

export async function startMosquitto(options: BrokerOptions = {}): Promise<Broker> {
    const bin = findMosquitto()
    const port = options.port ?? (await freePort())
    const sizeLimit = options.messageSizeLimit ?? MESSAGE_SIZE_LIMIT
    const log: string[] = []
    let child: Child | undefined

    async function start() {
        // mosquitto reads its config once, at start: the file can go as soon as it listens
        const dir = await mkdtemp(join(tmpdir(), "mosquitto-"))
        const conf = join(dir, "mosquitto.conf")
        await writeFile(
            conf,
            `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n` +
                `message_size_limit ${sizeLimit}\n` +
                (options.config ?? []).map((l) => l + "\n").join("")
        )
        const c = spawnTracked(bin, ["-c", conf], {}, (l) => log.push(l))
        child = c
        try {
            await waitForPort(port, START_TIMEOUT_MS, c.exited, () => log.slice(-20).join("\n"))
        } catch (e) {
            await killChild(c)
            throw e
        } finally {
            await rm(dir, { recursive: true, force: true })
        }
    }
    async function end(signal: NodeJS.Signals) {
        if (!child) return
        const c = child
        child = undefined
        c.proc.kill("SIGCONT") // a frozen process would never handle SIGTERM
        c.proc.kill(signal)
        await c.exited
    }

    await start()
    return {
        kind: "mosquitto",
        port,
        get pid() {
            return child?.proc.pid
        },
        url: `mqtt://127.0.0.1:${port}`,
        log,
        stop: () => end("SIGTERM"),
        kill: () => end("SIGKILL"),
        restart: async () => {
            await end("SIGTERM")
            await start()
        },
        freeze: () => child?.proc.kill("SIGSTOP"),
        thaw: () => child?.proc.kill("SIGCONT"),
    }
}

/**
 * aedes runs in this process, so it cannot be SIGSTOPped. freeze() emulates it:
 * sockets stop being read and new connections are accepted but parked (like the
 * kernel backlog of a stopped process), all until thaw(). Unlike a real freeze,
 * aedes' own timers keep running, so a client whose keep-alive lapses during the
 * freeze is dropped at once rather than after the thaw, and packets aedes had
 * already queued may still go out.
 */
export async function startAedes(options: BrokerOptions = {}): Promise<Broker> {
    const port = options.port ?? (await freePort())
    let aedes: Aedes | undefined
    let server: net.Server | undefined
    const sockets = new Set<net.Socket>()
    let parked: net.Socket[] | undefined // set while frozen

    async function start() {
        const broker = await Aedes.createBroker()
        // no Nagle delay: bursts of small MQTT packets otherwise wait ~40 ms for ACKs
        const srv = net.createServer({ noDelay: true }, (sock) => {
            sockets.add(sock)
            sock.once("close", () => sockets.delete(sock))
            if (parked) {
                sock.pause()
                parked.push(sock)
            } else broker.handle(sock)
        })
        await new Promise<void>((resolve, reject) => {
            srv.once("error", reject)
            srv.listen(port, "127.0.0.1", resolve)
        })
        aedes = broker
        server = srv
    }
    async function end(graceful: boolean) {
        const broker = aedes
        const srv = server
        aedes = undefined
        server = undefined
        parked = undefined
        if (!broker || !srv) return
        const closed = new Promise((r) => srv.close(r))
        if (graceful) await new Promise<void>((r) => broker.close(() => r()))
        for (const sock of sockets) sock.destroy()
        sockets.clear()
        if (!graceful) await new Promise<void>((r) => broker.close(() => r()))
        await closed
    }

    await start()
    return {
        kind: "aedes",
        port,
        pid: process.pid,
        url: `mqtt://127.0.0.1:${port}`,
        log: [],
        stop: () => end(true),
        kill: () => end(false),
        restart: async () => {
            await end(true)
            await start()
        },
        freeze: () => {
            if (parked || !aedes) return
            parked = []
            for (const sock of sockets) sock.pause()
        },
        thaw: () => {
            if (!parked || !aedes) return
            const waiting = parked
            parked = undefined
            for (const sock of sockets) if (!waiting.includes(sock)) sock.resume()
            for (const sock of waiting) {
                aedes.handle(sock)
                sock.resume()
            }
        },
    }
}
