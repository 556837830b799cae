// Before a command dials a --broker: is anything listening there? mqtt.js only says
// "Connection closed" when nothing is; this says where, why, and what to do.
import net from "node:net"
import type { Refusal } from "../../src/core/result"

const DEFAULT_PORTS: Record<string, number> = {
    "mqtt:": 1883,
    "tcp:": 1883,
    "mqtts:": 8883,
    "tls:": 8883,
    "ws:": 80,
    "wss:": 443,
}
const REACH_TIMEOUT_MS = 3000

/**
 * null when a TCP connection to the broker's host and port opens; else one line for the user,
 * ending with `without` (what omitting --broker does).
 */
export function brokerRefusal(
    url: string,
    timeoutMs = REACH_TIMEOUT_MS,
    without = "to use the embedded aedes"
): Promise<Refusal> {
    const u = new URL(url)
    const host = u.hostname.replace(/^\[|\]$/g, "") // an IPv6 literal keeps its brackets in URL
    const port = Number(u.port || DEFAULT_PORTS[u.protocol] || 1883)
    const advice = `start one there (e.g. mosquitto -p ${port}) or omit --broker ${without}`
    return new Promise((resolve) => {
        const socket = net.connect({ host, port })
        const done = (refusal: Refusal) => {
            clearTimeout(timer)
            socket.destroy()
            resolve(refusal)
        }
        const timer = setTimeout(
            () => done(`cannot reach the MQTT broker at ${url}: no answer within ${timeoutMs / 1000} s; ${advice}`),
            timeoutMs
        )
        socket.once("connect", () => done(null))
        socket.once("error", (e: NodeJS.ErrnoException) =>
            done(`cannot reach the MQTT broker at ${url}: ${e.code ? why(e.code, host, port) : e.message}; ${advice}`)
        )
    })
}

function why(code: string, host: string, port: number): string {
    if (code === "ECONNREFUSED") return `connection refused (ECONNREFUSED): nothing listens on ${host}:${port}`
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `no host named ${host} (${code})`
    if (code === "ETIMEDOUT") return `no answer from ${host}:${port} (ETIMEDOUT)`
    return `${code} on ${host}:${port}`
}
