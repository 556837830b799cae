// The stall controller firmware: wiring only. Decisions live in core/controller.ts.
import * as ds from "@devicescript/core"
import { readSetting } from "@devicescript/settings"
import { bootDetail, resume } from "./core/stall/boot"
import { RESEND_MS, StallController } from "./core/stall/controller"
import { StallIdentity } from "./core/stall/messages"
import { PilotDebouncer } from "./core/stall/pilot-line"
import { SETTING_KEYS, settingsFrom } from "./core/stall/settings"
import { presetTariff } from "./core/billing/tariff"
import { StallSensors } from "./hw/sensors"
import { Link } from "./net/link"
import { FlashStore, OUTBOX_SLOTS } from "./store/flash"

const FW = "0.1.0"
const PILOT_READ_MS = 100
/** sensors get this long to bind at boot before their absence is a fault */
const BIND_GRACE_MS = 5000

const raw: any = {}
for (const key of SETTING_KEYS) raw[key] = await readSetting(key)
const { settings, problems } = settingsFrom(raw)
const id: StallIdentity = {
    stallId: settings.stallId,
    prefix: settings.topicPrefix,
    connector: settings.connector,
    fw: FW,
}

const store = new FlashStore()
const boot = await store.nextBoot()
const r = resume(settings.core, presetTariff(settings.tariffId), await store.loadCheckpoints(), boot)
const outboxErrors: string[] = []
const outbox = await store.loadOutbox(outboxErrors)
const now = () => r.baseT + ds.millis()
const acct = r.acct
const lineage = r.lineage

const ctl = new StallController(id, acct, lineage, outbox, {
    telemetryMs: settings.telemetryMs,
    resendMs: RESEND_MS,
    tap: settings.tap,
    maxOutbox: OUTBOX_SLOTS,
})
ctl.boot(now(), bootDetail(boot, r.restored, outbox.length), r.restored)
for (const p of problems) ctl.event("config_invalid", p, now())
for (const n of r.refused) ctl.event("checkpoint_invalid", n, now())
for (const e of outboxErrors) ctl.event("storage_error", e, now())

const link = new Link(settings, id)

/** Runs `work` one at a time; a call while it runs makes it run once more after. */
function coalesced(work: () => Promise<void>): () => Promise<void> {
    let running = false
    let again = false
    return async () => {
        again = true
        if (running) return
        running = true
        while (again) {
            again = false
            await work()
        }
        running = false
    }
}

/** Flash first (a record is in the outbox before its first publish), then the wire. */
const flush = coalesced(async () => {
    if (ctl.outboxDue) {
        ctl.outboxDue = false
        if (!(await store.saveOutbox(ctl.outbox))) ctl.event("storage_error", "outbox not written", now())
    }
    if (ctl.checkpointDue) {
        const cp = ctl.takeCheckpoint()
        if (await store.saveCheckpoint(cp.items, lineage)) ctl.checkpointSaved(cp, now())
        else ctl.event("storage_error", "checkpoint not written", now())
    }
    for (const p of ctl.take()) await link.publish(p)
})

link.onUp = async () => {
    console.log("link up")
    ctl.connected(now())
    await flush()
}
link.onDown = (why) => {
    console.log("link down: " + why)
    ctl.disconnected()
    ctl.event("link_reset", why, now())
}
link.onMessage = (topic, payload, bytes) => {
    ctl.message(topic, payload, now(), bytes)
    setTimeout(async () => await flush(), 0)
}

const sensors = new StallSensors()
const pilot = new PilotDebouncer()

/** One sample into the core: on the meter period and on every pilot change. */
const sampleOnce = coalesced(async () => {
    if (!sensors.identified()) {
        const why = await sensors.identify()
        if (why && ds.millis() >= BIND_GRACE_MS) {
            ctl.setRolesFault(true, why, now())
            ctl.sample(now(), "F", null, null)
        }
        if (why) return
        ctl.setRolesFault(false, "", now())
    }
    // the pilot is unknown until debounced: an initial A is not an unplug
    if (!pilot.settled) return
    const m = sensors.readMeter()
    ctl.sample(now(), pilot.state, m[0], m[1])
})

async function sample(): Promise<void> {
    await sampleOnce()
    await flush()
}

setInterval(async () => {
    if (!sensors.identified()) return
    const before = pilot.state
    if (pilot.read(sensors.readPilotVolts()) !== before) await sample()
}, PILOT_READ_MS)

setInterval(async () => {
    await sample()
    ctl.tick(now())
    await flush()
}, settings.sampleMs)

await flush()
await link.start(settings.topicPrefix)
console.log("stall " + id.stallId + " boot " + boot + " fw " + FW)
