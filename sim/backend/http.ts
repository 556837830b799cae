// The backend's HTTP API (docs/backend.md): authorization for the brand app or operator,
// availability for cars and apps, and the session export for invoicing. Every bad
// request gets a JSON {error} with a 4xx status and changes nothing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { validateMessage } from "../mqtt/schemas"
import type { Backend } from "./backend"
import type { StoredSession } from "./store"

const MAX_BODY_BYTES = 4096
const BODY_TIMEOUT_MS = 10_000

class HttpError extends Error {
    constructor(
        readonly status: number,
        message: string
    ) {
        super(message)
    }
}

export async function startHttp(backend: Backend, port: number, host = "127.0.0.1"): Promise<Server> {
    const server = createServer((req, res) => {
        handle(backend, req, res).catch((e) => {
            const status = e instanceof HttpError ? e.status : 500
            if (status === 500) console.error(`backend http: ${req.method} ${req.url}: ${(e as Error).message}`)
            if (!res.headersSent) send(res, status, { error: (e as Error).message })
            else res.end()
        })
    })
    server.requestTimeout = 30_000
    server.headersTimeout = 10_000
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject)
        server.listen(port, host, () => resolve())
    })
    return server
}

export function httpPort(server: Server): number {
    return (server.address() as AddressInfo).port
}

function send(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body)
    res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "content-length": Buffer.byteLength(text),
    })
    res.end(text)
}

async function handle(backend: Backend, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://backend.invalid")
    const path = url.pathname
    const auth = /^\/api\/stalls\/([^/]+)\/authorize$/.exec(path)
    if (auth) {
        only(req, "POST")
        const stallId = decodeURIComponent(auth[1])
        const body = await readJson(req)
        const account = (body as any)?.account
        const problem = validateMessage("cmd/authorize", { account })
        if (typeof body !== "object" || body === null || Array.isArray(body) || problem !== null)
            throw new HttpError(400, `body must be {"account": "…"}: ${problem ?? "not an object"}`)
        const extra = Object.keys(body).filter((k) => k !== "account")
        if (extra.length)
            throw new HttpError(400, `unknown field ${extra.join(", ")}: the credit is the backend's to give`)
        if (!backend.availability.has(stallId)) throw new HttpError(404, `unknown stall '${stallId}' (no status seen)`)
        return send(res, 200, await backend.authorize(stallId, account))
    }
    if (path === "/api/health") {
        only(req, "GET")
        return send(res, 200, backend.health())
    }
    if (path === "/api/stalls") {
        only(req, "GET")
        return send(res, 200, { stalls: backend.availability.list() })
    }
    if (path === "/api/availability") {
        only(req, "GET")
        const connector = url.searchParams.get("connector") ?? undefined
        if (connector !== undefined && !/^[A-Za-z0-9_-]{1,16}$/.test(connector))
            throw new HttpError(400, "connector: a connector type such as NACS, CCS1, CCS2")
        return send(res, 200, {
            connectors: backend.availability.byConnector(connector),
            // site-wide whatever the connector: what the stalls' idle fees follow
            occupancyPercent: backend.availability.occupancy(),
        })
    }
    if (path === "/api/sessions") {
        only(req, "GET")
        const fromMs = timeParam(url, "from")
        const toMs = timeParam(url, "to")
        const account = url.searchParams.get("account") ?? undefined
        const format = url.searchParams.get("format") ?? "json"
        if (format !== "json" && format !== "csv") throw new HttpError(400, "format: json or csv")
        const rows = await backend.store.sessions({ fromMs, toMs, account })
        if (format === "json") return send(res, 200, { sessions: rows })
        const text = toCsv(rows)
        res.writeHead(200, {
            "content-type": "text/csv; charset=utf-8",
            "content-disposition": 'attachment; filename="sessions.csv"',
            "content-length": Buffer.byteLength(text),
        })
        return void res.end(text)
    }
    throw new HttpError(404, `no such resource: ${path}`)
}

function only(req: IncomingMessage, method: string): void {
    if (req.method !== method) throw new HttpError(405, `${req.method} not allowed here: use ${method}`)
}

/** `from`/`to`: Unix ms, or an ISO 8601 date or date-time. */
function timeParam(url: URL, name: string): number | undefined {
    const v = url.searchParams.get(name)
    if (v === null) return undefined
    const ms = /^\d{1,16}$/.test(v) ? Number(v) : /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN
    if (!Number.isFinite(ms)) throw new HttpError(400, `${name}: Unix ms or an ISO 8601 date, not '${v}'`)
    return ms
}

async function readJson(req: IncomingMessage): Promise<unknown> {
    const type = req.headers["content-type"] ?? ""
    if (!/^application\/json\b/.test(type)) throw new HttpError(415, "send Content-Type: application/json")
    const chunks: Buffer[] = []
    let size = 0
    const timer = setTimeout(() => req.destroy(new Error("body too slow")), BODY_TIMEOUT_MS)
    try {
        for await (const c of req) {
            size += (c as Buffer).length
            if (size > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`)
            chunks.push(c as Buffer)
        }
    } finally {
        clearTimeout(timer)
    }
    try {
        return JSON.parse(Buffer.concat(chunks).toString("utf8"))
    } catch {
        throw new HttpError(400, "body is not JSON")
    }
}

const CSV_COLUMNS = [
    "session_id",
    "stall_id",
    "account",
    "tariff_id",
    "currency",
    "plugged_at",
    "unplugged_at",
    "energy_kwh",
    "free_kwh",
    "time_minor",
    "energy_minor",
    "idle_minor",
    "total_minor",
    "total",
] as const

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
function csvField(v: string): string {
    return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v
}

function minorDigits(currency: string): number {
    try {
        return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2
    } catch {
        return 2
    }
}

/** Minor units as a decimal amount with the currency's own digits: 1290 EUR → "12.90". */
export function formatMinor(minor: number, currency: string): string {
    const d = minorDigits(currency)
    const neg = minor < 0
    const s = String(Math.abs(minor)).padStart(d + 1, "0")
    const text = d === 0 ? s : `${s.slice(0, s.length - d)}.${s.slice(s.length - d)}`
    return (neg ? "-" : "") + text
}

const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString())
const kwh = (wh: number) => (wh / 1000).toFixed(3)

export function toCsv(rows: StoredSession[]): string {
    const lines = [CSV_COLUMNS.join(",")]
    for (const r of rows)
        lines.push(
            [
                r.sessionId,
                r.stallId,
                r.account ?? "",
                r.tariffId,
                r.currency,
                iso(r.pluggedAt),
                iso(r.unpluggedAt),
                kwh(r.energyWh),
                kwh(r.freeWhUsed),
                String(r.timeMinor),
                String(r.energyMinor),
                String(r.idleMinor),
                String(r.totalMinor),
                `${formatMinor(r.totalMinor, r.currency)} ${r.currency}`,
            ]
                .map(csvField)
                .join(",")
        )
    return lines.join("\r\n") + "\r\n"
}
