// The site view's page: tiles, the selected stall's chart (SVG rendered by the server with
// sim/report/chart.ts) and the records, from the server's events (sim/web/server.ts).
// Updates are applied once per animation frame, however many arrived since the last one.

/** stalls above which the grid shows small cells (a stall's facts on its tile's title) */
const COMPACT_ABOVE = 48

const $ = (id) => document.getElementById(id)
const tiles = new Map()
/** every stall's tile as the server sent it: updates carry only the fields that changed */
const known = new Map()
const records = new Map()
let selected = new URLSearchParams(location.hash.slice(1)).get("stall")
let source = null
let selectedTile = null
let maxRecords = Infinity
let pending = []
const applied = []

function money(minor, currency) {
    if (currency === null || currency === undefined) return "–"
    const abs = Math.abs(minor)
    return `${currency} ${minor < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`
}

const kwh = (wh) => `${(wh / 1000).toFixed(3)} kWh`
const kw = (w) => `${(w / 1000).toFixed(1)} kW`

function clock(ms) {
    const s = Math.max(0, Math.round(ms / 1000))
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`
}

/** "0:07 · grace 0:03 left", or the billed minutes once past the grace */
function idleText(t) {
    if (t.idleMs === 0 && t.state !== "finished") return "–"
    const left = t.graceMs - t.idleMs
    return left > 0
        ? `${clock(t.idleMs)} · grace ${clock(left)} left`
        : `${clock(t.idleMs)} · grace over, ${t.idleBilledMinutes} min billed`
}

function tiersText(t) {
    if (!t.tierMs.length) return "–"
    return t.tierMs.map((ms, i) => `${t.tierLabels[i]} ${clock(ms)}`).join(" · ")
}

const FACTS = ["state", "connector", "account", "power", "tier", "energy", "tiers", "idle", "cost"]

/** A tile's element and its text nodes, and what they show (written only when it changes). */
function tileView() {
    const el = $("tile-template").content.firstElementChild.cloneNode(true)
    const parts = { id: el.querySelector(".id") }
    for (const f of FACTS) parts[f] = el.querySelector("." + f)
    return { el, parts, shown: {} }
}

function tileFor(id) {
    let tile = tiles.get(id)
    if (tile) return tile
    tile = tileView()
    tile.el.addEventListener("click", () => select(id))
    tiles.set(id, tile)
    // in stall order; the server sends new stalls in order, so mostly at the end
    const grid = $("grid")
    let before = null
    if (grid.lastElementChild && grid.lastElementChild.dataset.stall > id)
        before = [...grid.children].find((c) => c.dataset.stall > id)
    grid.insertBefore(tile.el, before)
    return tile
}

function showTile(change) {
    const t = Object.assign(known.get(change.stallId) ?? {}, change)
    known.set(t.stallId, t)
    const compact = $("grid").classList.contains("compact")
    // a fleet's cells show the state's colour; their facts are hidden, left unwritten
    fill(tileFor(t.stallId), t, !compact)
    // the detail panel repeats the selected stall's tile, whole
    if (t.stallId === selected) {
        selectedTile ??= tileView()
        if (!selectedTile.el.isConnected) $("selected-tile").replaceChildren(selectedTile.el)
        fill(selectedTile, t, true)
        selectedTile.el.classList.remove("selected")
    }
}

function fill(tile, t, facts) {
    const state = t.online ? t.state : "offline"
    const write = (key, node, text) => {
        if (tile.shown[key] !== text) node.textContent = tile.shown[key] = text
    }
    const cls = `tile state-${state}${t.stallId === selected ? " selected" : ""}`
    if (tile.shown.cls !== cls) {
        tile.el.className = tile.shown.cls = cls
        tile.el.dataset.state = state
    }
    tile.el.dataset.stall = t.stallId
    write("id", tile.parts.id, t.stallId)
    const title = `${t.stallId} · ${state} · ${t.connector ?? ""} · ${kw(t.powerW)} · ${money(t.costMinor, t.currency)}`
    if (tile.shown.title !== title) tile.el.title = tile.shown.title = title
    if (!facts) return
    const text = {
        state: state + (t.faultReason ? ` (${t.faultReason})` : ""),
        connector: t.connector ?? "–",
        account: t.account ?? "–",
        power: kw(t.powerW),
        tier: t.tier < 0 ? "–" : `${t.tier + 1}: ${t.tierLabels[t.tier]}`,
        energy: kwh(t.energyWh),
        tiers: tiersText(t),
        idle: idleText(t),
        cost: money(t.costMinor, t.currency),
    }
    for (const f of FACTS) write(f, tile.parts[f], text[f])
}

function showRecord(r) {
    let li = records.get(r.sessionId)
    if (!li) {
        li = document.createElement("li")
        li.className = "record"
        li.dataset.session = r.sessionId
        li.innerHTML = `<div class="record-head"><span class="record-id"></span> <span class="total"></span> <span class="badge acked"></span> <span class="badge stored"></span></div><pre class="lines"></pre>`
        records.set(r.sessionId, li)
        $("record-list").prepend(li)
        $("no-records").hidden = true
        // as many as the server keeps
        if (records.size > maxRecords) {
            const oldest = records.keys().next().value
            records.get(oldest).remove()
            records.delete(oldest)
        }
    }
    li.querySelector(".record-id").textContent = `${r.sessionId} · stall ${r.stallId}`
    li.querySelector(".total").textContent = money(r.totalMinor, r.currency)
    const acked = li.querySelector(".acked")
    acked.textContent = r.acked ? "acked" : "not acked yet"
    acked.classList.toggle("yes", r.acked)
    const stored = li.querySelector(".stored")
    stored.hidden = r.stored === null
    stored.textContent = r.stored ? "stored" : "not stored yet"
    stored.classList.toggle("yes", r.stored === true)
    li.querySelector(".lines").textContent = r.text
}

function showSite(s) {
    $("rate").textContent = `${s.messagesPerS.toLocaleString("en")} msg/s`
    $("counts").textContent = `${s.stalls} stalls · ${s.online} online · ${s.charging} charging · ${s.records} records`
    $("availability").replaceChildren(
        ...s.connectors.map((c) => {
            const li = document.createElement("li")
            li.dataset.connector = c.connector
            li.textContent = `${c.connector} ${c.free} / ${c.total} free`
            return li
        })
    )
    $("grid").classList.toggle("compact", s.stalls > COMPACT_ABOVE)
}

function apply(u) {
    // a page opened before any stall was seen gets the first one
    if (u.selected !== selected && u.selected !== null) selected = u.selected
    for (const t of u.stalls) showTile(t)
    for (const r of u.records) showRecord(r)
    showSite(u.site)
    if (u.chart !== undefined) $("chart").innerHTML = u.chart
}

function frame() {
    const batch = pending
    pending = []
    if (!batch.length) return
    for (const u of batch) apply(u)
    const now = performance.now()
    applied.push(now)
    while (applied.length && now - applied[0] > 2000) applied.shift()
    $("updates").textContent = `${(applied.length / 2).toFixed(1)} updates/s`
    document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1)
}

function queue(u) {
    if (!pending.length) requestAnimationFrame(frame)
    pending.push(u)
}

function select(id) {
    if (id === selected) return
    selected = id
    history.replaceState(null, "", "#stall=" + encodeURIComponent(id))
    for (const [k, tile] of tiles) {
        tile.el.classList.toggle("selected", k === id)
        tile.shown.cls = tile.el.className
    }
    selectedTile = null
    $("selected-tile").replaceChildren()
    known.clear()
    connect()
}

function connect() {
    source?.close()
    // what the last stream sent and the page has not drawn yet: the new one starts with everything
    pending = []
    source = new EventSource("events" + (selected ? "?stall=" + encodeURIComponent(selected) : ""))
    source.addEventListener("hello", (e) => {
        const h = JSON.parse(e.data)
        document.title = h.title
        $("title").textContent = h.title
        maxRecords = h.maxRecords
        $("connection").textContent = "live"
        $("connection").className = "connection live"
        queue(h)
    })
    source.addEventListener("update", (e) => queue(JSON.parse(e.data)))
    source.addEventListener("end", (e) => {
        source.close()
        $("connection").textContent = `ended: ${JSON.parse(e.data).reason}`
        $("connection").className = "connection ended"
        document.body.dataset.ended = "true"
    })
    source.onerror = () => {
        if (source.readyState !== EventSource.CLOSED) $("connection").textContent = "reconnecting…"
    }
}

connect()
