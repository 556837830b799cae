import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import mqtt from "mqtt"
import { expect, test } from "vitest"
import { stallTopic } from "../../../src/core/stall/index"
import { Backend } from "../../../sim/backend/backend"
import { startAedes } from "../../../sim/live/broker"
import { startWeb } from "../../../sim/web/index"
import { dayOfRecords, STALL_ID } from "../../store/records"

// The site view on a broker beside the site backend, as `sim backend --web` runs them:
// a record the stall publishes appears on the view, then acked and stored after the commit.
test("a record through the broker: on the view, acked by the backend, stored", async () => {
    const dir = mkdtempSync(join(tmpdir(), "site-web-"))
    const broker = await startAedes()
    const web = await startWeb({ port: 0, title: "site", prefix: "stalls", storing: true })
    const backend = await Backend.start({ brokerUrl: broker.url, dbUrl: `sqlite:${join(dir, "site.db")}` })
    const stall = await mqtt.connectAsync(broker.url)
    try {
        backend.onStored((sessionId) => web.stored(sessionId))
        await web.attach(broker.url)
        const [rec] = dayOfRecords(1)
        await stall.publishAsync(stallTopic("stalls", STALL_ID, "session"), JSON.stringify(rec), { qos: 1 })
        await expect
            .poll(() => web.view.recordsSince(-1), { timeout: 10_000 })
            .toMatchObject([{ sessionId: rec.sessionId, totalMinor: rec.cost.totalMinor, acked: true, stored: true }])
        expect(backend.counts).toMatchObject({ stored: 1, acked: 1 })
    } finally {
        await stall.endAsync()
        await backend.stop()
        await web.stop("test over")
        await broker.stop()
        rmSync(dir, { recursive: true, force: true })
    }
})
