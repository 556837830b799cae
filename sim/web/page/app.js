// The site view's page: tiles, the selected stall's chart (SVG rendered by the server with
// sim/report/chart.ts) and the records, from the server's events (sim/web/server.ts).
// Updates are applied once per animation frame, however many arrived since the last one.

/** stalls above which the grid shows small cells (a stall's facts on its tile's title) */
const COMPACT_ABOVE = 48

const $ = (id) => document.getElementById(id)
const tiles = new Map()
const records = new Map()
let selected = new URLSearchParams(location.hash.slice(1)).get("stall")
let source = null
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

function tileFor(id) {
    let el = tiles.get(id)
    if (el) return el
    el = template()
    el.addEventListener("click", () => select(id))
    tiles.set(id, el)
    // kept in stall order: the server sends tiles sorted
    const next = [...tiles.keys()].sort().find((k) => k > id)
    $("grid").insertBefore(el, next ? tiles.get(next) : null)
    return el
}

function showTile(t) {
    fill(tileFor(t.stallId), t)
    // the detail panel repeats the selected stall's tile: a fleet's grid cells are too small for it
    if (t.stallId === selected) {
        const big = $("selected-tile").firstElementChild ?? $("selected-tile").appendChild(template())
        fill(big, t)
        big.classList.remove("selected")
    }
}

const template = () => $("tile-template").content.firstElementChild.cloneNode(true)

function fill(el, t) {
    const state = t.online ? t.state : "offline"
    el.dataset.stall = t.stallId
    el.dataset.state = state
    el.className = `tile state-${state}${t.stallId === selected ? " selected" : ""}`
    el.querySelector(".id").textContent = t.stallId
    const set = (cls, text) => (el.querySelector("." + cls).textContent = text)
    set("state", state + (t.faultReason ? ` (${t.faultReason})` : ""))
    set("connector", t.connector ?? "–")
    set("account", t.account ?? "–")
    set("power", kw(t.powerW))
    set("tier", t.tier < 0 ? "–" : `${t.tier + 1}: ${t.tierLabels[t.tier]}`)
    set("energy", kwh(t.energyWh))
    set("tiers", tiersText(t))
    set("idle", idleText(t))
    set("cost", money(t.costMinor, t.currency))
    el.title = `${t.stallId} · ${state} · ${t.connector ?? ""} · ${kw(t.powerW)} · ${money(t.costMinor, t.currency)}`
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
    for (const [k, el] of tiles) el.classList.toggle("selected", k === id)
    $("selected-tile").replaceChildren()
    connect()
}

function connect() {
    source?.close()
    source = new EventSource("events" + (selected ? "?stall=" + encodeURIComponent(selected) : ""))
    source.addEventListener("hello", (e) => {
        const h = JSON.parse(e.data)
        document.title = h.title
        $("title").textContent = h.title
        selected = h.selected
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
