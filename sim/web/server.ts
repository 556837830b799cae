// The site view's HTTP side: the page's files (sim/web/page/, nothing from the internet)
// and `GET /events?stall=ID`, server-sent events: the whole view at connection, then every
// TICK_MS what changed since the client's last update, the selected stall's chart (SVG)
// when it changed, and the site's figures. Never one event per MQTT message: a fleet of a
// thousand stalls sends ~3,000 a second, the page gets 4 updates.
import { readFileSync } from "node:fs"
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { MAX_RECORDS, type RecordRow, type SiteStats, type SiteView, type Tile } from "./view"

/** between two updates of a page */
export const TICK_MS = 250
/** the message rate is taken over this long */
const RATE_WINDOW_MS = 2000

const PAGE_DIR = new URL("./page/", import.meta.url)
const ASSETS: Record<string, { file: string; type: string }> = {
    "/": { file: "index.html", type: "text/html; charset=utf-8" },
    "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
    "/style.css": { file: "style.css", type: "text/css; charset=utf-8" },
}

/** A tile's fields that changed since the page's last update; the first time, all of them. */
export type TileChange = Pick<Tile, "stallId"> & Partial<Tile>

/** What the page gets: everything at first (`hello`), then changes. */
export interface Update {
    stalls: TileChange[]
    records: RecordRow[]
    site: SiteStats & { messagesPerS: number }
    /** the stall whose chart this page gets: the one asked for, else the first one seen */
    selected: string | null
    /** the selected stall's chart, when it changed */
    chart?: string
}

export interface Hello extends Update {
    title: string
    /** records the page keeps, as the view does */
    maxRecords: number
}

export interface WebServer {
    url: string
    /** bytes of each asset the page loads, by path */
    assetBytes: Record<string, number>
    /** tells the pages the run ended (they keep their last picture), then closes */
    close(reason: string): Promise<void>
}

interface Client {
    res: ServerResponse
    selected: string | null
    /** the view's revision at the last update sent */
    sentRev: number
    chartRev: number
    /** each tile as this page last got it, JSON per field */
    sent: Map<string, Record<string, string>>
}

/** The fields of `tile` that differ from what the page has (all for a new tile); remembers them. */
function tileChange(tile: Tile, sent: Map<string, Record<string, string>>): TileChange {
    let known = sent.get(tile.stallId)
    if (!known) sent.set(tile.stallId, (known = {}))
    const change: Record<string, unknown> = { stallId: tile.stallId }
    for (const [k, v] of Object.entries(tile)) {
        const json = JSON.stringify(v)
        if (known[k] === json) continue
        known[k] = json
        change[k] = v
    }
    return change as TileChange
}

export async function startWebServer(
    view: SiteView,
    opts: { port: number; title: string; host?: string }
): Promise<WebServer> {
    const assets = Object.fromEntries(
        Object.entries(ASSETS).map(([path, a]) => [
            path,
            { body: readFileSync(new URL(a.file, PAGE_DIR)), type: a.type },
        ])
    )
    const clients = new Set<Client>()
    const rate: { at: number; messages: number }[] = []
    const site = () => {
        const now = performance.now()
        rate.push({ at: now, messages: view.messages })
        while (rate.length > 2 && now - rate[1].at >= RATE_WINDOW_MS) rate.shift()
        const first = rate[0]
        const dt = (now - first.at) / 1000
        return { ...view.site(), messagesPerS: dt > 0 ? Math.round((view.messages - first.messages) / dt) : 0 }
    }
    let stats = site()

    const update = (c: Client, all: boolean): Update => {
        const since = all ? -1 : c.sentRev
        if (all) c.sent.clear()
        const stalls = view.tilesSince(since).map((t) => tileChange(t, c.sent))
        const u: Update = { stalls, records: view.recordsSince(since), site: stats, selected: c.selected }
        c.sentRev = view.rev
        const chartRev = c.selected === null ? -1 : view.chartRev(c.selected)
        if (c.selected !== null && (all || chartRev !== c.chartRev)) {
            u.chart = view.chart(c.selected) ?? undefined
            c.chartRev = chartRev
        }
        return u
    }
    const send = (c: Client, event: string, body: unknown) =>
        c.res.write(`event: ${event}\ndata: ${JSON.stringify(body)}\n\n`)

    const server: Server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://web.invalid")
        if (req.method !== "GET") return plain(res, 405, "only GET")
        if (url.pathname === "/events") return events(req, res, url)
        const asset = assets[url.pathname]
        if (!asset) return plain(res, 404, "not found")
        res.writeHead(200, {
            "content-type": asset.type,
            "content-length": asset.body.length,
            "cache-control": "no-cache",
        })
        res.end(asset.body)
    })
    const events = (req: IncomingMessage, res: ServerResponse, url: URL) => {
        res.writeHead(200, {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
            connection: "keep-alive",
        })
        const c: Client = { res, selected: null, sentRev: -1, chartRev: -1, sent: new Map() }
        c.selected = url.searchParams.get("stall") ?? view.stallIds()[0] ?? null
        clients.add(c)
        req.on("close", () => clients.delete(c))
        const hello: Hello = {
            ...update(c, true),
            title: opts.title,
            maxRecords: MAX_RECORDS,
        }
        res.write("retry: 2000\n\n")
        send(c, "hello", hello)
    }

    const timer = setInterval(() => {
        stats = site()
        for (const c of clients) {
            // a page that has not taken the last update yet gets all it missed in the next one
            if (c.res.writableNeedDrain) continue
            // a page opened before any stall was seen shows the first one
            if (c.selected === null) c.selected = view.stallIds()[0] ?? null
            send(c, "update", update(c, false))
        }
    }, TICK_MS)

    await new Promise<void>((resolve, reject) => {
        server.once("error", reject)
        server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve())
    })
    const { address, port } = server.address() as AddressInfo
    return {
        url: `http://${address}:${port}/`,
        assetBytes: Object.fromEntries(Object.entries(assets).map(([path, a]) => [path, a.body.length])),
        close: async (reason) => {
            clearInterval(timer)
            stats = site()
            for (const c of clients) {
                send(c, "update", update(c, false))
                send(c, "end", { reason })
                c.res.end()
            }
            clients.clear()
            await new Promise<void>((resolve) => server.close(() => resolve()))
        },
    }
}

function plain(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) })
    res.end(text)
}
