// Local TCP ports: pick a free one, and wait until a server accepts on one.
import net from "node:net"
import { pollUntil } from "./process"

const HOST = "127.0.0.1"

/** A port nobody listens on right now (the OS picks it for a throwaway listener). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer()
        srv.once("error", reject)
        srv.listen(0, HOST, () => {
            const { port } = srv.address() as net.AddressInfo
            srv.close(() => resolve(port))
        })
    })
}

/** True when something accepts a TCP connection on the port. */
export function portAccepts(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const sock = net.connect({ port, host: HOST })
        sock.once("connect", () => {
            sock.destroy()
            resolve(true)
        })
        sock.once("error", () => resolve(false))
    })
}

/**
 * Polls until the port accepts. `gone` settles when the server process died, so a
 * crash at start fails at once with `describe()` (its output) instead of timing out.
 */
export function waitForPort(
    port: number,
    timeoutMs: number,
    gone: Promise<unknown>,
    describe: () => string
): Promise<void> {
    return pollUntil(
        () => portAccepts(port),
        timeoutMs,
        gone,
        () => `exited before port ${port} accepted:\n${describe()}`,
        () => `port ${port} not accepting after ${timeoutMs} ms:\n${describe()}`
    )
}
