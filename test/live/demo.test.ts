import { expect, test } from "vitest"
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { ROOT } from "../../sim/live/process"
import { formatMoney } from "../../sim/report/summary"
import { openChromium } from "../helpers/browser"

/** after sim live printed a message, the page shows it within this (the view sends 4 updates a second) */
const PAGE_MS = 5000

/** A child's output lines as they come, and a wait for one of them. */
function lines(child: ReturnType<typeof spawn>) {
    const all: string[] = []
    let out = ""
    let rest = ""
    const waiters = new Set<() => void>()
    const take = (d: Buffer) => {
        out += d
        const parts = (rest + d).split("\n")
        rest = parts.pop()!
        all.push(...parts)
        for (const w of waiters) w()
    }
    child.stdout!.on("data", take)
    child.stderr!.on("data", (d) => (out += d))
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
    return {
        all,
        text: () => out,
        exited,
        /** the first line matching `pattern`; rejects when the child exits without one */
        waitFor: (pattern: RegExp): Promise<string> =>
            new Promise((resolve, reject) => {
                const check = () => {
                    const hit = all.find((l) => pattern.test(l))
                    if (hit === undefined) return
                    waiters.delete(check)
                    resolve(hit)
                }
                waiters.add(check)
                check()
                void exited.then(() => {
                    check()
                    if (waiters.delete(check)) reject(new Error(`no line ${pattern} before the exit:\n${out}`))
                })
            }),
    }
}

// `npm start` is `sim live` on the shipped time-lapse demo with the site view: the real
// firmware in the VM, sensors following the scenario, the embedded broker. It must exit 0
// only when every message matched its schema and the record matched the replay; its first
// line is the page's URL, and the page, open in Chromium, follows the session.
test("npm start: the page follows the demo, which runs to a clean exit and replays to the same record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-"))
    const traceOut = join(dir, "trace.json")
    const dbFile = join(dir, "demo.db")
    // npm start's own arguments (package.json), a trace and the database in a directory of the test's
    const start = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.start as string
    expect(start).toBe("tsx sim/cli.ts live sim/scenarios/demo-timelapse.json --db sqlite:.sim/demo.db --web")
    const args = [
        "--import",
        "tsx",
        "sim/cli.ts",
        "live",
        "sim/scenarios/demo-timelapse.json",
        "--db",
        `sqlite:${dbFile}`,
        "--web",
        "--trace-out",
        traceOut,
    ]
    const started = Date.now()
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
    const sim = lines(child)
    const browser = await openChromium({ width: 1280, height: 640 })
    try {
        await sim.waitFor(/./)
        expect(sim.all[0]).toMatch(/^web: http:\/\/127\.0\.0\.1:\d+\/$/)
        const { page } = browser
        await page.goto(sim.all[0].slice("web: ".length))
        const soon = { timeout: PAGE_MS }
        const tile = page.locator('#grid .tile[data-stall="DEMO-1A"]')

        // each step the terminal shows, the page shows within PAGE_MS
        await sim.waitFor(/ status {5}charging/)
        await expect.poll(() => tile.getAttribute("data-state"), soon).toBe("charging")
        await expect.poll(() => tile.locator(".account").textContent(), soon).toBe("demo-driver")
        await expect.poll(() => tile.locator(".power").textContent(), soon).toMatch(/^[1-9]\d*\.\d kW$/)
        await sim.waitFor(/ status {5}finished/)
        await expect.poll(() => tile.getAttribute("data-state"), soon).toBe("finished")
        await expect.poll(() => tile.locator(".idle").textContent(), soon).toMatch(/grace \d:\d\d left|grace over/)
        const recordLine = await sim.waitFor(/ session {4}DEMO-1A-1-1 /)
        const record = page.locator('#record-list .record[data-session="DEMO-1A-1-1"]')
        await expect.poll(() => record.count(), soon).toBe(1)
        const total = (await record.locator(".total").textContent())!
        expect(recordLine.endsWith(` · ${total}`), recordLine).toBe(true)
        await expect.poll(() => record.locator(".acked").textContent(), soon).toBe("acked")
        await expect.poll(() => record.locator(".stored").textContent(), soon).toBe("stored")
        // the chart: power points, the 60 kW threshold, the billed periods, the idle and the grace
        const chart = page.locator("#chart svg")
        const points = (await chart.locator("polyline.power").first().getAttribute("points"))!.split(" ")
        expect(points.length).toBeGreaterThan(30)
        expect(await chart.locator("line.threshold").count()).toBe(1)
        expect(await chart.locator("text.threshold-label").textContent()).toBe("60 kW")
        expect(await chart.locator("rect.period").count()).toBeGreaterThan(5)
        expect(await chart.locator("rect.period.tier-1").count()).toBeGreaterThan(0)
        expect(await chart.locator("rect.idle").count()).toBe(1)
        expect(await chart.locator("line.grace").count()).toBe(1)
        const shot = await browser.screenshot("web-live.png")
        console.log(`demo: page screenshot ${shot}`)

        const code = await sim.exited
        console.log(`demo: ${((Date.now() - started) / 1000).toFixed(1)} s wall`)
        const out = sim.text()
        expect(code, out).toBe(0)
        // the page keeps its last picture and says the run ended
        await expect.poll(() => page.locator("#connection").textContent(), soon).toBe("ended: sim live has ended: OK")
        expect(out).toContain("every message valid")
        expect(out).toContain("1 of 1 expected; 1 equal to the replay of the tap")
        const replayed = spawnSync(process.execPath, ["--import", "tsx", "sim/cli.ts", "replay", traceOut], {
            cwd: ROOT,
            encoding: "utf8",
        })
        const rec = replayed.stdout
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l))
            .find((o) => o.type === "session")
        expect(recordLine).toContain(`${(rec.energyWh / 1000).toFixed(3)} kWh`)
        expect(JSON.parse(readFileSync(traceOut, "utf8")).format).toBe("stall-trace/1")
        // the site backend stored the record (and acked it after the commit): the page's total
        expect(out).toContain(`database   sqlite:${dbFile}: 1 record(s) stored now, 1 in all`)
        const db = new Database(dbFile, { readonly: true })
        const rows = db.prepare("SELECT session_id, energy_wh, total_minor FROM sessions").all() as any[]
        db.close()
        expect(rows).toEqual([{ session_id: "DEMO-1A-1-1", energy_wh: rec.energyWh, total_minor: rec.cost.totalMinor }])
        expect(total).toBe(formatMoney(rec.cost.totalMinor, "EUR"))
    } finally {
        child.kill()
        await browser.close()
    }
}, 240_000)
