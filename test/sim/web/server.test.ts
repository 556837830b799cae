import { afterEach, describe, expect, test } from "vitest"
import { stallTopic } from "../../../src/core/stall/index"
import { startWebServer, TICK_MS, type Hello, type Update, type WebServer } from "../../../sim/web/server"
import { SiteView } from "../../../sim/web/view"

const PREFIX = "stalls"

/** The server's events as they arrive: name and parsed data. */
async function* events(url: string, signal: AbortSignal): AsyncGenerator<{ event: string; data: any }> {
    const res = await fetch(url, { signal })
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/)
    const decoder = new TextDecoder()
    let buffer = ""
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            const event = /^event: (.*)$/m.exec(block)?.[1]
            const data = /^data: (.*)$/m.exec(block)?.[1]
            if (event && data) yield { event, data: JSON.parse(data) }
        }
    }
}

const status = (stallId: string, state: string, sinceMs: number) =>
    JSON.stringify({
        v: 1,
        stallId,
        state,
        connector: "NACS",
        sessionId: null,
        sinceMs,
        since: null,
        fw: "t",
        outbox: 0,
    })

let server: WebServer | undefined
afterEach(async () => {
    await server?.close("test over")
    server = undefined
})

describe("the site view's server", () => {
    test("serves the page's files, nothing from elsewhere, and 404 for the rest", async () => {
        server = await startWebServer(new SiteView({ prefix: PREFIX }), { port: 0, title: "t" })
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
        const html = await (await fetch(server.url)).text()
        for (const asset of ["style.css", "app.js"]) expect(html).toContain(`"${asset}"`)
        // every URL the page names is its own: no CDN, no font service
        expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
        for (const path of Object.keys(server.assetBytes)) {
            const res = await fetch(new URL(path, server.url))
            expect(res.status).toBe(200)
            expect((await res.arrayBuffer()).byteLength).toBe(server.assetBytes[path])
        }
        expect((await fetch(new URL("/nope", server.url))).status).toBe(404)
        const js = await (await fetch(new URL("app.js", server.url))).text()
        expect(js).not.toMatch(/https?:\/\//)
    })

    test("the whole view at connection, then one update per tick however many messages came", async () => {
        const view = new SiteView({ prefix: PREFIX })
        view.message(stallTopic(PREFIX, "A1", "status"), status("A1", "available", 0))
        server = await startWebServer(view, { port: 0, title: "a site" })
        const abort = new AbortController()
        const stream = events(new URL("events?stall=A1", server.url).href, abort.signal)
        const hello = (await stream.next()).value!
        expect(hello.event).toBe("hello")
        const h = hello.data as Hello
        expect(h).toMatchObject({ title: "a site", selected: "A1" })
        expect(h.stalls.map((t) => [t.stallId, t.state])).toEqual([["A1", "available"]])
        expect(h.chart).toMatch(/^<svg /)

        // a burst of 5,000 messages from 100 stalls
        const started = performance.now()
        for (let i = 0; i < 5000; i++) {
            const id = "B" + String(i % 100).padStart(3, "0")
            view.message(stallTopic(PREFIX, id, "status"), status(id, i >= 4900 ? "charging" : "available", i))
        }
        const updates: Update[] = []
        for await (const { event, data } of stream) {
            expect(event).toBe("update")
            // (an update may have left before the burst: it has no tiles)
            if (updates.length || data.stalls.length) updates.push(data)
            if (updates.length === 3) break
        }
        const elapsed = performance.now() - started
        abort.abort()
        // all 100 new stalls in one update, then nothing new: tiles are sent when they change
        expect(updates[0].stalls).toHaveLength(100)
        expect(updates[0].stalls.every((t) => t.state === "charging")).toBe(true)
        expect(updates[1].stalls).toEqual([])
        expect(updates[2].site).toMatchObject({ stalls: 101, online: 101, charging: 100, messages: 5001 })
        // three updates take about three ticks, not one per message
        expect(elapsed).toBeGreaterThanOrEqual(2 * TICK_MS - 20)
    })

    test("tells the pages the run ended", async () => {
        server = await startWebServer(new SiteView({ prefix: PREFIX }), { port: 0, title: "t" })
        const abort = new AbortController()
        const stream = events(new URL("events", server.url).href, abort.signal)
        expect((await stream.next()).value!.event).toBe("hello")
        const closing = server.close("the run is over")
        server = undefined
        const seen: string[] = []
        for await (const { event, data } of stream) {
            seen.push(event)
            if (event === "end") expect(data).toEqual({ reason: "the run is over" })
        }
        await closing
        expect(seen.slice(-2)).toEqual(["update", "end"])
    })
})
