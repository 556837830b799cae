/**
 * When the MQTT link opens, waits, probes and gives up: pure, clock-free (every time is
 * the caller's `now`, in ms), no I/O, no platform, so it runs in Node and in the VM.
 *
 * Why (read in the ESP32 runtime, devicescript-esp32 main/sock.c): there is one socket;
 * DNS, connect and the TLS handshake run in a worker task that blocks for seconds, and
 * the "open" event comes only after the handshake. Every open is queued to that worker
 * and starts by closing the current connection, so a retry sent while one is pending
 * kills it later; a close from the main task mid-handshake frees TLS state under the
 * worker. Hence: one open at a time, no close before the board-scale timeout, backoff
 * with jitter, and the echo deadline counted only once the broker accepted us.
 */

/**
 * Plain TCP: DNS (lwIP gives up after a few seconds per server) plus a few SYN
 * retransmissions on a lossy Wi-Fi fit in 20 s; an unreachable broker is refused or
 * resets long before that on a LAN.
 */
export const TCP_OPEN_TIMEOUT_MS = 20_000
/** TLS: TCP plus an mbedTLS handshake with certificate-bundle checks, seconds of CPU on an ESP32. */
export const TLS_OPEN_TIMEOUT_MS = 45_000
/** socket open, CONNECT sent: a live broker answers at once */
export const CONNACK_TIMEOUT_MS = 10_000
/** first retry after 0.5–1 s, doubling, never more than 16 s apart */
export const BACKOFF_FIRST_MS = 1000
export const BACKOFF_MAX_MS = 16_000
/** the liveness probe: a publish on our own echo topic */
export const ECHO_EVERY_MS = 2000
/** after the CONNACK, time for the SUBSCRIBE to go out before the first echo */
export const FIRST_ECHO_MS = 200
/** nothing heard for this long while connected = the broker is gone or frozen */
export const ECHO_DEADLINE_MS = 6000

export const enum LinkPhase {
    /** no socket; the next open waits for the backoff */
    Idle = 0,
    /** one open pending: nothing else may touch the socket */
    Opening = 1,
    /** socket open, CONNECT sent, waiting for the CONNACK */
    Greeting = 2,
    /** the broker accepted us */
    Connected = 3,
}

export const enum LinkAction {
    None = 0,
    /** open the socket */
    Open = 1,
    /** close the socket; `reason` says why */
    Close = 2,
    /** publish the echo */
    Echo = 3,
}

/** The delay before retry `attempt` (0 first): [d/2, d] with d = min(max, first·2^attempt); `random` in [0, 1). */
export function backoffMs(attempt: number, random: number): number {
    let d = BACKOFF_FIRST_MS
    for (let i = 0; i < attempt && d < BACKOFF_MAX_MS; i++) d = d * 2
    if (d > BACKOFF_MAX_MS) d = BACKOFF_MAX_MS
    return Math.floor(d / 2 + (random * d) / 2)
}

export class LinkPolicy {
    phase = LinkPhase.Idle
    /** why the link last went down (for Close, and after lost()) */
    reason = ""
    /** failed attempts in a row; reset by the first echo */
    attempt = 0
    private since = 0
    private retryAt = 0
    private heardAt = 0
    private echoAt = 0

    /** `openTimeoutMs`: TCP_ or TLS_OPEN_TIMEOUT_MS; `random` in [0, 1) for the jitter. */
    constructor(
        readonly openTimeoutMs: number,
        private random: () => number
    ) {}

    /** What to do now: call it every few hundred ms. */
    next(now: number): LinkAction {
        const p = this.phase
        if (p === LinkPhase.Idle) {
            if (now < this.retryAt) return LinkAction.None
            this.enter(LinkPhase.Opening, now)
            return LinkAction.Open
        }
        if (p === LinkPhase.Opening) {
            if (now - this.since < this.openTimeoutMs) return LinkAction.None
            return this.giveUp(now, "connect timed out after " + (now - this.since) + " ms")
        }
        if (p === LinkPhase.Greeting) {
            if (now - this.since < CONNACK_TIMEOUT_MS) return LinkAction.None
            return this.giveUp(now, "no CONNACK for " + (now - this.since) + " ms")
        }
        // connected: silence counts from the CONNACK at the earliest, never from the handshake
        const silentMs = now - (this.heardAt > this.since ? this.heardAt : this.since)
        if (silentMs > ECHO_DEADLINE_MS) return this.giveUp(now, "no echo from the broker for " + silentMs + " ms")
        if (now - this.echoAt < ECHO_EVERY_MS) return LinkAction.None
        this.echoAt = now
        return LinkAction.Echo
    }

    /** the socket's open event: send CONNECT */
    opened(now: number): void {
        if (this.phase === LinkPhase.Opening) this.enter(LinkPhase.Greeting, now)
    }

    /** CONNACK accepted: send SUBSCRIBE; the first echo follows FIRST_ECHO_MS later */
    accepted(now: number): void {
        if (this.phase !== LinkPhase.Greeting) return
        this.enter(LinkPhase.Connected, now)
        this.echoAt = now - ECHO_EVERY_MS + FIRST_ECHO_MS
    }

    /** anything from the broker proves it alive */
    heard(now: number): void {
        this.heardAt = now
    }

    /** our own echo came back: the subscriptions are live, the backoff starts over */
    echoed(now: number): void {
        this.heardAt = now
        if (this.phase === LinkPhase.Connected) this.attempt = 0
    }

    /** the socket closed or failed by itself (or the shell refused to open): retry after the backoff */
    lost(now: number, why: string): void {
        if (this.phase === LinkPhase.Idle) return
        this.reason = why
        this.enter(LinkPhase.Idle, now)
        this.retryAt = now + backoffMs(this.attempt, this.random())
        this.attempt++
    }

    /** when the next open may go out (Idle only) */
    retryAtMs(): number {
        return this.retryAt
    }

    private giveUp(now: number, why: string): LinkAction {
        this.lost(now, why)
        return LinkAction.Close
    }

    private enter(phase: LinkPhase, now: number): void {
        this.phase = phase
        this.since = now
    }
}
