// The stall controller firmware: wiring only. Decisions live in core/stall/.
import * as ds from "@devicescript/core"
import { readSetting } from "@devicescript/settings"
import { presetTariff } from "./core/billing/index"
import {
    bootDetail,
    calibrationOf,
    coalesced,
    FIRMWARE_VERSION,
    flush,
    GUARD_CHECK_MS,
    OUTBOX_RECORDS,
    PILOT_READ_MS,
    RESEND_MS,
    RESTART_FLUSH_MS,
    RestartGuard,
    resume,
    Sampler,
    SETTINGS,
    settingsFrom,
    StallController,
    stallIdentity,
} from "./core/stall/index"
import { StallSensors } from "./hw/sensors"
import { Link } from "./net/link"
import { FlashStore } from "./store/flash"
import { deviceSettings } from "./store/settings-kv"

const raw: any = {}
for (const s of SETTINGS) raw[s.key] = await readSetting(s.key)
const { settings, problems } = settingsFrom(raw)
const id = stallIdentity(settings, FIRMWARE_VERSION)

const store = new FlashStore(deviceSettings)
const boot = await store.nextBoot()
const r = resume(settings.core, presetTariff(settings.tariffId), await store.loadCheckpoints(), boot)
const outboxErrors: string[] = []
const outbox = await store.loadOutbox(outboxErrors)
const now = () => r.baseT + ds.millis()
const ctl = new StallController(id, r.acct, r.lineage, outbox, {
    telemetryMs: settings.telemetryMs,
    resendMs: RESEND_MS,
    tap: settings.tap,
    maxOutbox: OUTBOX_RECORDS,
})
ctl.boot(now(), bootDetail(boot, r.restored, outbox.length), r.restored)
for (const p of problems) ctl.event("config_invalid", p, now())
for (const n of r.refused) ctl.event("checkpoint_invalid", n, now())
for (const e of outboxErrors) ctl.event("storage_error", e, now())

const link = new Link(settings, id)
const flushNow = coalesced(async () => await flush(ctl, store, link, now))
link.onUp = async () => {
    console.log("link up")
    ctl.connected(now())
    await flushNow()
}
link.onDown = (why) => {
    console.log("link down: " + why)
    ctl.disconnected()
    ctl.event("link_reset", why, now())
}
link.onDropped = (detail) => {
    ctl.event("message_dropped", detail, now())
    setTimeout(async () => await flushNow(), 0)
}
link.onMessage = (topic, payload, bytes) => {
    ctl.message(topic, payload, now(), bytes)
    setTimeout(async () => await flushNow(), 0)
}

const sampler = new Sampler(ctl, new StallSensors(calibrationOf(settings)), now, ds.millis)
const sampleNow = coalesced(async () => {
    await sampler.sample()
    await flushNow()
})
setInterval(async () => {
    if (sampler.readPilot()) await sampleNow()
}, PILOT_READ_MS)
const guard = new RestartGuard(
    { watchdogMs: settings.watchdogMs, softMs: settings.restartMs, hardMs: settings.hardRestartMs },
    ds.millis()
)
setInterval(async () => {
    await sampleNow()
    ctl.tick(now())
    await flushNow()
    guard.loopDone(ds.millis())
}, settings.sampleMs)
// in a fiber of its own: it runs even when the sampling loop is stuck
setInterval(async () => {
    const due = guard.check(ds.millis(), ctl.acct.snapshot().state, ctl.acct.session() !== null)
    if (due === null) return
    console.log(due.kind + ": " + due.detail)
    ctl.event(due.kind, due.detail, now())
    let flushed = false
    setTimeout(async () => {
        await flushNow()
        flushed = true
    }, 0)
    const end = ds.millis() + RESTART_FLUSH_MS
    while (!flushed && ds.millis() < end) await ds.sleep(100)
    if (due.reboot) ds.reboot()
    else ds.restart()
}, GUARD_CHECK_MS)

await flushNow()
await link.start()
console.log("stall " + id.stallId + " boot " + boot + " fw " + id.fw)
