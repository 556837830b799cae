import fc from "fast-check"
import { describe, expect, test } from "vitest"
import {
    BACKOFF_FIRST_MS,
    BACKOFF_MAX_MS,
    backoffMs,
    CONNACK_TIMEOUT_MS,
    ECHO_DEADLINE_MS,
    ECHO_EVERY_MS,
    LinkAction,
    LinkPhase,
    LinkPolicy,
    TCP_OPEN_TIMEOUT_MS,
    TLS_OPEN_TIMEOUT_MS,
} from "../../src/net/link-policy"

const TICK_MS = 500

/**
 * A board's one socket, as devicescript-esp32 main/sock.c has it: an open is queued to
 * a worker that takes `connectMs` (DNS, TCP, TLS) before the open event; a close is
 * counted, and flagged when it lands while an open is pending (mid-handshake).
 */
class FakeSocket {
    opens: number[] = []
    closes: number[] = []
    reasons: string[] = []
    closesMidOpen = 0
    maxPendingOpens = 0
    private pending: number[] = [] // when each queued open completes
    open = false
    constructor(
        public connectMs: number,
        public brokerAnswers = true
    ) {}
    doOpen(now: number) {
        this.opens.push(now)
        this.pending.push(now + this.connectMs)
        this.maxPendingOpens = Math.max(this.maxPendingOpens, this.pending.length)
    }
    doClose(now: number) {
        this.closes.push(now)
        if (this.pending.length) this.closesMidOpen++
        this.pending = []
        this.open = false
    }
    /** the open events due by `now` */
    due(now: number): number {
        let n = 0
        while (this.pending.length && this.pending[0] <= now) {
            this.pending.shift()
            this.open = true
            n++
        }
        return n
    }
}

/** Drives a policy against a fake socket with a fake clock, as src/net/link.ts does. */
function run(p: LinkPolicy, s: FakeSocket, untilMs: number, onTick?: (now: number) => void) {
    const echoes: number[] = []
    for (let now = 0; now <= untilMs; now += TICK_MS) {
        for (let i = s.due(now); i > 0; i--) {
            p.opened(now)
            // the broker answers the CONNECT at once, and every echo
            if (s.brokerAnswers) p.accepted(now)
        }
        onTick?.(now)
        const a = p.next(now)
        if (a === LinkAction.Open) s.doOpen(now)
        else if (a === LinkAction.Close) {
            s.reasons.push(p.reason)
            s.doClose(now)
        } else if (a === LinkAction.Echo) {
            echoes.push(now)
            if (s.brokerAnswers) p.echoed(now)
        }
    }
    return echoes
}

describe("a socket that takes 20 s to connect (TLS on a board)", () => {
    test("one open, no close while it is pending, connected at 20 s, no echo deadline tripped", () => {
        const p = new LinkPolicy(TLS_OPEN_TIMEOUT_MS, () => 0.5)
        const s = new FakeSocket(20_000)
        const phases: LinkPhase[] = []
        const echoes = run(p, s, 60_000, () => phases.push(p.phase))
        expect(s.opens).toEqual([0])
        expect(s.maxPendingOpens).toBe(1)
        expect(s.closes).toEqual([])
        expect(s.closesMidOpen).toBe(0)
        expect(p.phase).toBe(LinkPhase.Connected)
        // the first echo right after the CONNACK, then every 2 s
        expect(echoes[0]).toBe(20_500)
        expect(echoes.length).toBeGreaterThanOrEqual(19)
        expect(phases.slice(1, 40).every((x) => x === LinkPhase.Opening)).toBe(true)
    })

    test("a broker that never answers: each attempt waits out the whole TLS timeout, then backs off", () => {
        const p = new LinkPolicy(TLS_OPEN_TIMEOUT_MS, () => 0.5)
        const s = new FakeSocket(Infinity)
        run(p, s, 10 * 60_000)
        expect(s.maxPendingOpens).toBe(1)
        // every close is a timeout: not before 45 s after its open
        expect(s.closes.length).toBeGreaterThan(5)
        s.closes.forEach((c, i) => expect(c - s.opens[i]).toBeGreaterThanOrEqual(TLS_OPEN_TIMEOUT_MS))
        // gaps between a close and the next open grow, capped
        const gaps = s.opens.slice(1).map((o, i) => o - s.closes[i])
        for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1])
        expect(Math.max(...gaps)).toBeLessThanOrEqual(BACKOFF_MAX_MS + TICK_MS)
        expect(p.reason).toMatch(/^connect timed out after 45000 ms$/)
    })

    test("TCP socket open but no CONNACK: closed after the CONNACK timeout, not by the echo deadline", () => {
        const p = new LinkPolicy(TCP_OPEN_TIMEOUT_MS, () => 0)
        const s = new FakeSocket(20_000, false)
        run(p, s, 20_000 + CONNACK_TIMEOUT_MS)
        expect(s.closes).toEqual([20_000 + CONNACK_TIMEOUT_MS])
        expect(p.reason).toMatch(/^no CONNACK/)
    })

    test("a broker that freezes after the connection is up: reset within the echo deadline", () => {
        const p = new LinkPolicy(TCP_OPEN_TIMEOUT_MS, () => 0)
        const s = new FakeSocket(100)
        run(p, s, 30_000, (now) => {
            if (now === 10_000) s.brokerAnswers = false
        })
        expect(s.closes[0]).toBeGreaterThan(10_000 + ECHO_DEADLINE_MS - ECHO_EVERY_MS)
        expect(s.closes[0]).toBeLessThanOrEqual(10_000 + ECHO_DEADLINE_MS + TICK_MS)
        expect(s.reasons[0]).toMatch(/^no echo from the broker for \d+ ms$/)
        expect(s.closesMidOpen).toBe(0)
    })
})

describe("properties", () => {
    test("never a second open while one is pending, never a close before the open timeout", () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 0, max: 120_000 }),
                fc.boolean(),
                fc.boolean(),
                fc.double({ min: 0, max: 0.999999, noNaN: true }),
                (connectMs, tls, answers, r) => {
                    const timeout = tls ? TLS_OPEN_TIMEOUT_MS : TCP_OPEN_TIMEOUT_MS
                    const p = new LinkPolicy(timeout, () => r)
                    const s = new FakeSocket(connectMs, answers)
                    run(p, s, 300_000)
                    expect(s.maxPendingOpens).toBe(1)
                    // a close mid-open happens only once the open timed out
                    for (let i = 0; i < s.closes.length; i++)
                        if (connectMs > timeout) expect(s.closes[i] - s.opens[i]).toBeGreaterThanOrEqual(timeout)
                    if (connectMs < timeout) expect(s.closesMidOpen).toBe(0)
                }
            ),
            { numRuns: 200 }
        )
    })

    test("backoff grows with the attempt, within [d/2, d], capped", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 40 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (n, r) => {
                const d = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** n)
                const b = backoffMs(n, r)
                expect(b).toBeGreaterThanOrEqual(d / 2)
                expect(b).toBeLessThanOrEqual(d)
                expect(backoffMs(n + 1, r)).toBeGreaterThanOrEqual(b)
            })
        )
    })

    test("the jitter spreads the retries of a fleet", () => {
        const delays = Array.from({ length: 200 }, (_, i) => backoffMs(3, i / 200))
        expect(new Set(delays).size).toBeGreaterThan(150)
        expect(Math.min(...delays)).toBe(4000)
        expect(Math.max(...delays)).toBeLessThan(8000)
    })

    test("lost() backs off; the first echo resets the attempts", () => {
        const p = new LinkPolicy(TCP_OPEN_TIMEOUT_MS, () => 0)
        expect(p.next(0)).toBe(LinkAction.Open)
        p.lost(10, "refused")
        expect(p.next(10)).toBe(LinkAction.None)
        expect(p.next(10 + 500)).toBe(LinkAction.Open)
        p.lost(600, "refused")
        expect(p.next(600 + 999)).toBe(LinkAction.None)
        expect(p.next(600 + 1000)).toBe(LinkAction.Open)
        p.opened(1700)
        p.accepted(1700)
        expect(p.next(1900)).toBe(LinkAction.Echo)
        p.echoed(1950)
        expect(p.attempt).toBe(0)
    })
})
