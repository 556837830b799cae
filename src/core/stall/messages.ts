import { AccountingSnapshot, StallState } from "../billing/accounting"
import { SessionRecord } from "../billing/session"

/**
 * MQTT payloads (docs/mqtt.md, schemas in docs/schemas/). Every number is an
 * integer: the DeviceScript VM prints floats with ~6 digits.
 */
export const MESSAGE_VERSION = 1

/** The firmware release, in every status and record. */
export const FIRMWARE_VERSION = "0.1.0"

export interface StallIdentity {
    stallId: string
    /** topic prefix, default "stalls" */
    prefix: string
    connector: string
    fw: string
}

export interface StatusMessage {
    v: number
    stallId: string
    state: StallState
    connector: string
    sessionId: string | null
    /** device time the state began (ms), and the site-clock time when known */
    sinceMs: number
    since: number | null
    fw: string
    /** unacknowledged session records the stall holds */
    outbox: number
    faultReason?: "pilot" | "meter" | "roles"
}

export function statusMessage(
    id: StallIdentity,
    state: StallState,
    sessionId: string | null,
    sinceMs: number,
    since: number | null,
    faultReason: "pilot" | "meter" | "roles" | null,
    outbox: number
): StatusMessage {
    const m: StatusMessage = {
        v: MESSAGE_VERSION,
        stallId: id.stallId,
        state,
        connector: id.connector,
        sessionId,
        sinceMs,
        since,
        fw: id.fw,
        outbox,
    }
    if (faultReason) m.faultReason = faultReason
    return m
}

/** The will: what the broker says when the stall disappears. */
export function offlineMessage(id: StallIdentity): string {
    return JSON.stringify({ v: MESSAGE_VERSION, stallId: id.stallId, state: "offline" })
}

export interface TelemetryMessage {
    v: number
    stallId: string
    sessionId: string | null
    state: StallState
    t: number
    at: number | null
    powerW: number
    energyWh: number
    chargingMs: number
    /** tier of the open period so far, -1 when none */
    tier: number
    tierMinutes: number[]
    idleMs: number
    idleBilledMinutes: number
    costMinor: number
    currency: string | null
    /** samples the core refused since boot */
    rejectedSamples: number
    /** stall-wide, from the site: power shared with the paired stall; occupancy, whole percent */
    sharing: boolean
    occupancyPct: number
    /** 0, 1 or the tariff's idleFullMultiplier: what the idle minute under way bills at if the vehicle leaves now */
    idleFactor: number
}

export function telemetryMessage(
    id: StallIdentity,
    snap: AccountingSnapshot,
    sessionId: string | null,
    t: number,
    at: number | null,
    rejectedSamples = 0
): TelemetryMessage {
    const s = snap.session
    return {
        v: MESSAGE_VERSION,
        stallId: id.stallId,
        sessionId,
        state: snap.state,
        t,
        at,
        powerW: snap.powerW,
        energyWh: s ? s.energyWh : 0,
        chargingMs: s ? s.chargingMs : 0,
        tier: snap.currentTier,
        tierMinutes: s ? s.tierMinutes : [],
        idleMs: s ? s.idleMs : 0,
        idleBilledMinutes: s ? s.idleBilledMinutes : 0,
        costMinor: s ? s.cost.totalMinor : 0,
        currency: s ? s.currency : null,
        rejectedSamples,
        sharing: snap.sharing,
        occupancyPct: snap.occupancyPct,
        idleFactor: snap.idleFactor,
    }
}

export interface SessionMessage extends SessionRecord {
    stallId: string
    sessionId: string
    fw: string
    /** site-clock times, when the stall knew the clock */
    pluggedAt: number | null
    unpluggedAt: number | null
}

/** The record as published: a new object, `rec` is left as it is. */
export function sessionMessage(
    id: StallIdentity,
    rec: SessionRecord,
    sessionId: string,
    pluggedAt: number | null,
    unpluggedAt: number | null
): SessionMessage {
    const m: any = {}
    for (const k in rec) m[k] = (rec as any)[k]
    m.stallId = id.stallId
    m.sessionId = sessionId
    m.fw = id.fw
    m.pluggedAt = pluggedAt
    m.unpluggedAt = unpluggedAt
    return m as SessionMessage
}

export type EventKind =
    | "boot"
    | "command_rejected"
    | "authorized"
    | "tariff_changed"
    | "fault"
    | "config_invalid"
    | "checkpoint_invalid"
    | "storage_error"
    | "outbox_full"
    | "outbox_overflow"
    | "events_dropped"
    | "roles_ambiguous"
    | "link_reset"
    | "message_dropped"
    | "sample_rejected"
    | "watchdog_restart"
    | "planned_restart"

/** A record's totals, in the events about it (outbox_full, outbox_overflow); null where unreadable. */
export interface RecordSummary {
    sessionId: string
    energyWh: number | null
    totalMinor: number | null
    currency: string | null
}

export interface EventMessage {
    v: number
    stallId: string
    kind: EventKind
    detail: string
    t: number
    at: number | null
    record?: RecordSummary
}

export function eventMessage(
    id: StallIdentity,
    kind: EventKind,
    detail: string,
    t: number,
    at: number | null,
    record: RecordSummary | null = null
): EventMessage {
    const m: EventMessage = { v: MESSAGE_VERSION, stallId: id.stallId, kind, detail, t, at }
    if (record) m.record = record
    return m
}
