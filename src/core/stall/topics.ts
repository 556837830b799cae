/**
 * The stall's MQTT topic tree (docs/mqtt.md): the one place topic names are
 * spelled. Matching is exact on purpose: the DeviceScript client matches
 * subscriptions by prefix, so `stalls/S10/…` would reach stall S1.
 */

/** What a topic under `{prefix}/{stallId}/` carries. */
export type StallTopic =
    | "status"
    | "telemetry"
    | "session"
    | "event"
    | "tap"
    | "echo"
    | "cmd/authorize"
    | "cmd/tariff"
    | "cmd/ack"
    | "cmd/sharing"

/** A stall topic, or one of the site's topics a stall reads: the clock `{prefix}/clock`, the occupancy `{prefix}/site/occupancy`. */
export type TopicKind = StallTopic | "clock" | "site/occupancy"

export type CommandName = "authorize" | "tariff" | "ack" | "sharing"

export const STALL_TOPICS: StallTopic[] = [
    "status",
    "telemetry",
    "session",
    "event",
    "tap",
    "echo",
    "cmd/authorize",
    "cmd/tariff",
    "cmd/ack",
    "cmd/sharing",
]

const CLOCK = "clock"
const COMMANDS = "cmd/"

export function stallRoot(prefix: string, stallId: string): string {
    return prefix + "/" + stallId
}

export function stallTopic(prefix: string, stallId: string, kind: StallTopic): string {
    return stallRoot(prefix, stallId) + "/" + kind
}

export function commandTopic(prefix: string, stallId: string, name: CommandName): string {
    return stallRoot(prefix, stallId) + "/" + COMMANDS + name
}

/** The subscription for every command of one stall. */
export function commandFilter(prefix: string, stallId: string): string {
    return stallRoot(prefix, stallId) + "/" + COMMANDS + "#"
}

/** Every single-level topic of one stall (status, telemetry, session, event, …), not its commands. */
export function stallFilter(prefix: string, stallId: string): string {
    return stallRoot(prefix, stallId) + "/+"
}

/** One kind of topic for every stall of a site, e.g. `stalls/+/session`. */
export function everyStall(prefix: string, kind: StallTopic): string {
    return prefix + "/+/" + kind
}

export function clockTopic(prefix: string): string {
    return prefix + "/" + CLOCK
}

/** The site backend's retained availability (free/total per connector): no stall's topic. */
export function siteAvailabilityTopic(prefix: string): string {
    return prefix + "/site/availability"
}

/** The site's occupancy (percent of stalls with a vehicle plugged in), retained, from the site backend. */
export function siteOccupancyTopic(prefix: string): string {
    return prefix + "/site/occupancy"
}

function isStallTopic(x: string): boolean {
    for (let i = 0; i < STALL_TOPICS.length; i++) if (STALL_TOPICS[i] === x) return true
    return false
}

/** A topic of the site `prefix`, parsed exactly: the clock, the occupancy, or a stall's topic; null for anything else. */
export function parseTopic(topic: string, prefix: string): { stallId: string | null; kind: TopicKind } | null {
    if (!topic.startsWith(prefix + "/")) return null
    const rest = topic.slice(prefix.length + 1)
    if (rest === CLOCK) return { stallId: null, kind: "clock" }
    if (topic === siteOccupancyTopic(prefix)) return { stallId: null, kind: "site/occupancy" }
    const slash = rest.indexOf("/")
    if (slash < 1) return null
    const kind = rest.slice(slash + 1)
    if (!isStallTopic(kind)) return null
    return { stallId: rest.slice(0, slash), kind: kind as StallTopic }
}

/** The kind of a topic of this stall (or of the site: clock, occupancy), null when it is not one of them. */
export function topicKind(topic: string, prefix: string, stallId: string): TopicKind | null {
    const p = parseTopic(topic, prefix)
    if (!p || (p.stallId !== null && p.stallId !== stallId)) return null
    return p.kind
}
