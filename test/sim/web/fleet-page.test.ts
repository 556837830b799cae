import { afterAll, beforeAll, expect, test } from "vitest"
import { DEFAULT_SCENARIO, runFleet, type FleetReport } from "../../../sim/fleet/fleet"
import { loadScenario } from "../../../sim/commands/run"
import { stallHeaders } from "../../../sim/scenario/scenario"
import { startWeb, type Web } from "../../../sim/web/index"
import { openChromium, type Browser } from "../../helpers/browser"

// The fleet's page in a real browser: 60 simulated stalls (the real core, an embedded
// aedes) for 40 simulated minutes at x240, the page open from the start.
const STALLS = 60
/** after an update left the server, the page shows it within this (a tick is 250 ms) */
const PAGE_MS = 5000

let web: Web
let browser: Browser
beforeAll(async () => {
    web = await startWeb({
        port: 0,
        title: "fleet page test",
        prefix: "stalls",
        tariff: stallHeaders(loadScenario(DEFAULT_SCENARIO))[0].header.tariff,
    })
    browser = await openChromium()
})
afterAll(async () => {
    await browser?.close()
    await web?.stop("test over")
})

test("the fleet's grid: a cell per stall coloured by state, availability per connector, messages/s, records", async () => {
    const { page } = browser
    const soon = { timeout: PAGE_MS }
    await page.goto(web.url)
    const run: Promise<FleetReport> = runFleet({
        stalls: STALLS,
        minutes: 40,
        speed: 240,
        onBroker: (url) => web.attach(url),
    })
    // as the stalls connect, the grid fills: a compact cell each
    const cells = page.locator("#grid .tile")
    await expect.poll(() => cells.count(), { timeout: 60_000 }).toBe(STALLS)
    expect(await page.locator("#grid.compact").count()).toBe(1)
    await expect.poll(() => page.locator('#grid .tile[data-state="charging"]').count(), soon).toBeGreaterThan(0)
    await expect.poll(() => page.locator("#rate").textContent(), soon).toMatch(/^[1-9][\d,]* msg\/s$/)
    const report = await run
    expect(report.ok).toBe(true)

    // after the run, the page shows what the view holds
    const site = web.view.site()
    await expect
        .poll(() => page.locator("#counts").textContent(), soon)
        .toBe(`${site.stalls} stalls · ${site.online} online · ${site.charging} charging · ${site.records} records`)
    const byState = new Map<string, number>()
    for (const t of web.view.tilesSince(-1)) {
        const state = t.online ? t.state : "offline"
        byState.set(state, (byState.get(state) ?? 0) + 1)
    }
    for (const [state, n] of byState) expect(await page.locator(`#grid .tile[data-state="${state}"]`).count()).toBe(n)
    const nacs = site.connectors.find((c) => c.connector === "NACS")!
    expect(nacs.total).toBe(STALLS)
    expect(await page.locator('#availability li[data-connector="NACS"]').textContent()).toBe(
        `NACS ${nacs.free} / ${STALLS} free`
    )

    // the records of the run, each acked by the fleet's consumer
    expect(report.records.received).toBeGreaterThan(0)
    await expect
        .poll(() => page.locator("#record-list .record").count(), soon)
        .toBe(Math.min(report.records.received, 200))
    await expect.poll(() => page.locator("#record-list .acked:not(.yes)").count(), soon).toBe(0)

    // a click selects a stall: its tile in the detail panel, its chart
    const second = (await cells.nth(1).getAttribute("data-stall"))!
    await cells.nth(1).click()
    await expect.poll(() => page.locator("#selected-tile .tile").getAttribute("data-stall"), soon).toBe(second)
    await expect.poll(() => page.locator("#chart svg > title").textContent(), soon).toContain(`Stall ${second}`)
    await browser.screenshot("web-fleet.png")
}, 120_000)
