/**
 * Malformed commands a stall must reject (each with a `command_rejected` event, nothing
 * changed), and commands on topics that are not the stall's: never applied (those under
 * the stall's own `cmd/#` subscription, like `cmd/tariffs`, may also be reported as
 * rejected; the others never reach it).
 * Used by test/core/stall/commands.test.ts against the parsers and by the end-to-end tests
 * against the firmware.
 */

export type CommandTopic = "cmd/authorize" | "cmd/tariff" | "cmd/ack" | "cmd/sharing" | "clock" | "site/occupancy"

export interface BadCommand {
    /** this stall's command topic, or "other-stall" for a topic the stall must ignore */
    topicSuffix: CommandTopic | "other-stall"
    /** other-stall entries: the full topic, with `{prefix}` and `{stallId}` placeholders */
    topic?: string
    payload: string
    why: string
    /** the payload would be valid on `wouldBe`: only the topic makes it foreign */
    otherStall?: true
    wouldBe?: CommandTopic
    /** the JSON Schema cannot express this rule; only the stall's parser catches it */
    parserOnly?: string
}

/** The full topic an entry is published on, for a stall at `{prefix}/{stallId}`. */
export function topicOf(c: BadCommand, prefix: string, stallId: string): string {
    if (c.topic) return c.topic.split("{prefix}").join(prefix).split("{stallId}").join(stallId)
    if (c.topicSuffix === "clock" || c.topicSuffix === "site/occupancy") return prefix + "/" + c.topicSuffix
    return prefix + "/" + stallId + "/" + c.topicSuffix
}

// ---- valid payloads the broken ones are derived from ----------------------------------

export const GOOD_TARIFF = {
    id: "DE-2017",
    currency: "EUR",
    mode: "per_minute",
    tierThresholdsKw: [60],
    perMinuteMinor: [17, 34],
    perKwhMinor: 0,
    idlePerMinuteMinor: 35,
    idleGraceMs: 300000,
    idleGraceMode: "deduct",
    periodMs: 60000,
}
export const GOOD_AUTHORIZE = { account: "acct-1", freeWh: 400000 }
export const GOOD_ACK = { sessionId: "S1-3-17" }
export const GOOD_CLOCK = { epochMs: 1700000000000 }
export const GOOD_SHARING = { on: true }
export const GOOD_OCCUPANCY = { percent: 40 }

const DELETE = Symbol("delete")
type Patch = Record<string, unknown>

/** JSON of `base` with fields replaced, or removed with DELETE. */
function withFields(base: object, patch: Patch): string {
    const o: Record<string, unknown> = { ...base }
    for (const k of Object.keys(patch)) {
        if (patch[k] === DELETE) delete o[k]
        else o[k] = patch[k]
    }
    return JSON.stringify(o)
}

const tariff = (patch: Patch, why: string, parserOnly?: string): BadCommand => ({
    topicSuffix: "cmd/tariff",
    payload: withFields(GOOD_TARIFF, patch),
    why,
    ...(parserOnly ? { parserOnly } : {}),
})
const authorize = (patch: Patch, why: string, parserOnly?: string): BadCommand => ({
    topicSuffix: "cmd/authorize",
    payload: withFields(GOOD_AUTHORIZE, patch),
    why,
    ...(parserOnly ? { parserOnly } : {}),
})
const ack = (payload: string, why: string): BadCommand => ({ topicSuffix: "cmd/ack", payload, why })
const clock = (payload: string, why: string): BadCommand => ({ topicSuffix: "clock", payload, why })
const sharing = (payload: string, why: string): BadCommand => ({ topicSuffix: "cmd/sharing", payload, why })
const occupancy = (payload: string, why: string): BadCommand => ({ topicSuffix: "site/occupancy", payload, why })

// ---- on every command topic: not a JSON object, or too big ------------------------------

const GOOD_OF: Record<CommandTopic, object> = {
    "cmd/authorize": GOOD_AUTHORIZE,
    "cmd/tariff": GOOD_TARIFF,
    "cmd/ack": GOOD_ACK,
    "cmd/sharing": GOOD_SHARING,
    clock: GOOD_CLOCK,
    "site/occupancy": GOOD_OCCUPANCY,
}

function notAnObject(topicSuffix: CommandTopic): BadCommand[] {
    const good = JSON.stringify(GOOD_OF[topicSuffix])
    const e = (payload: string, why: string, parserOnly?: string): BadCommand => ({
        topicSuffix,
        payload,
        why,
        ...(parserOnly ? { parserOnly } : {}),
    })
    return [
        e("", "empty payload"),
        e("   \n\t ", "whitespace only"),
        e("{", "a lone brace"),
        e(good.slice(0, good.length - 1), "truncated JSON (last brace missing)"),
        // short ones too ({"on":true} is 11 characters)
        e(good.slice(0, Math.min(12, good.length - 3)), "truncated JSON (cut mid-field)"),
        e(good.replace(/"/g, "'"), "single quotes are not JSON"),
        e(good.slice(0, good.length - 1) + ",}", "trailing comma"),
        e("\uFEFF" + good, "byte-order mark before the JSON"),
        e("null", "null"),
        e("42", "a number"),
        e('"' + good.replace(/"/g, '\\"') + '"', "the JSON as a string (double-encoded)"),
        e("[" + good + "]", "the object inside an array"),
        e("true", "a boolean"),
        e("NaN", "NaN is not JSON"),
        e("[".repeat(400) + "]".repeat(400), "deeply nested arrays"),
        e(good + " " + good, "two objects back to back"),
        e(
            good.slice(0, good.length - 1) + " ".repeat(1100) + "}",
            "valid object padded past 1024 bytes",
            "payload size"
        ),
    ]
}

// ---- cmd/authorize ----------------------------------------------------------------------

const AUTHORIZE: BadCommand[] = [
    authorize({ account: "Zoë Müller" }, "non-ASCII account (records and flash take printable ASCII)"),
    authorize({ account: "tab\there" }, "a control character in the account"),
    authorize({ freeWh: 0.5 }, "fractional credit: the credit is whole Wh"),
    authorize({ account: DELETE }, "account missing"),
    authorize({ account: 12345 }, "account is a number"),
    authorize({ account: null }, "account is null"),
    authorize({ account: "" }, "account is empty"),
    authorize({ account: "a".repeat(65) }, "account of 65 characters"),
    authorize({ account: "a".repeat(2000) }, "account of 2000 characters (also oversized)"),
    authorize({ account: ["acct-1"] }, "account is an array"),
    authorize({ account: { id: "acct-1" } }, "account is an object"),
    authorize({ account: true }, "account is a boolean"),
    authorize({ account: "acct\n1" }, "newline in the account"),
    authorize({ account: "acct\t1" }, "tab in the account"),
    authorize({ account: "acct\u00001" }, "NUL in the account"),
    authorize({ account: "acct\u001b[31m" }, "ANSI escape in the account"),
    authorize({ account: "acct\u007f" }, "DEL in the account"),
    authorize({ account: "\u{1F50C}".repeat(33) }, "33 emoji: not ASCII (and 66 UTF-16 units)"),
    authorize({ freeWh: -1 }, "freeWh negative"),
    authorize({ freeWh: "400000" }, "freeWh as a string"),
    authorize({ freeWh: "NaN" }, "freeWh NaN as a string"),
    authorize({ freeWh: "Infinity" }, "freeWh Infinity as a string"),
    authorize({ freeWh: 1e12 }, "freeWh 1e12 (a unit mistake)"),
    authorize({ freeWh: null }, "freeWh null"),
    authorize({ freeWh: true }, "freeWh a boolean"),
    authorize({ freeWh: [400000] }, "freeWh an array"),
    {
        topicSuffix: "cmd/authorize",
        payload: '{"account":"acct-1","freeWh":1e400}',
        why: "freeWh overflows to Infinity",
    },
    {
        topicSuffix: "cmd/authorize",
        payload: '{"account":"acct-1","freeWh":-0.5e1}',
        why: "freeWh negative in exponent form",
    },
    authorize({ sessionId: "S1-1-1" }, "unknown field sessionId"),
    authorize({ Account: "acct-1", account: DELETE }, "field name in the wrong case"),
    authorize({ accountId: "acct-1", account: DELETE }, "misspelt field"),
    authorize({ freeKwh: 400 }, "unknown field freeKwh"),
    { topicSuffix: "cmd/authorize", payload: '{"account":"acct-1","__proto__":{"freeWh":5}}', why: "__proto__ key" },
    {
        topicSuffix: "cmd/authorize",
        payload: '{"account":"acct-1","account":7}',
        why: "duplicate key, the last one a number",
    },
]

// ---- cmd/tariff ---------------------------------------------------------------------------

const TARIFF_REQUIRED = [
    "id",
    "currency",
    "mode",
    "tierThresholdsKw",
    "perMinuteMinor",
    "perKwhMinor",
    "idlePerMinuteMinor",
    "idleGraceMs",
    "periodMs",
]

const TARIFF: BadCommand[] = [
    tariff({ idleGraceMs: 300000.5 }, "fractional grace: whole ms only"),
    tariff(
        { perMinuteMinor: [17.1234, 34] },
        "a price with 4 decimals",
        "at most 3 decimals (the VM prints ~6 digits)"
    ),
    tariff(
        { tierThresholdsKw: [60.0001] },
        "a threshold with 4 decimals",
        "at most 3 decimals (the VM prints ~6 digits)"
    ),
    ...TARIFF_REQUIRED.map((f) => tariff({ [f]: DELETE }, `${f} missing`)),
    tariff({ id: "" }, "id empty"),
    tariff({ id: "X".repeat(33) }, "id of 33 characters"),
    tariff({ id: "DE 2017" }, "space in the id"),
    tariff({ id: "DE/2017" }, "slash in the id"),
    tariff({ id: "DÉ-2017" }, "non-ASCII letter in the id"),
    tariff({ id: "DE-2017\n" }, "newline in the id"),
    tariff({ id: 2017 }, "id a number"),
    tariff({ currency: "eur" }, "currency in lower case"),
    tariff({ currency: "EURO" }, "currency of 4 letters"),
    tariff({ currency: "EU" }, "currency of 2 letters"),
    tariff({ currency: "€" }, "currency symbol"),
    tariff({ currency: 978 }, "ISO numeric currency code"),
    tariff({ mode: "per_hour" }, "unknown mode"),
    tariff({ mode: null }, "mode null"),
    tariff({ mode: "PER_MINUTE" }, "mode in upper case"),
    tariff({ tierThresholdsKw: [] }, "no thresholds"),
    tariff(
        { tierThresholdsKw: [10, 20, 30, 40, 50, 60, 70, 80], perMinuteMinor: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
        "8 thresholds (at most 7)"
    ),
    tariff({ tierThresholdsKw: [60, 60], perMinuteMinor: [1, 2, 3] }, "thresholds equal", "strictly ascending"),
    tariff({ tierThresholdsKw: [100, 60], perMinuteMinor: [1, 2, 3] }, "thresholds descending", "strictly ascending"),
    tariff(
        { tierThresholdsKw: [60, 180, 100], perMinuteMinor: [1, 2, 3, 4] },
        "thresholds out of order",
        "strictly ascending"
    ),
    tariff({ tierThresholdsKw: [0] }, "threshold 0"),
    tariff({ tierThresholdsKw: [-60] }, "threshold negative"),
    tariff({ tierThresholdsKw: ["60"] }, "threshold as a string"),
    tariff({ tierThresholdsKw: [60, null], perMinuteMinor: [1, 2, 3] }, "threshold null"),
    tariff({ tierThresholdsKw: 60 }, "thresholds not an array"),
    tariff({ tierThresholdsKw: [20000] }, "threshold above 10000 kW"),
    tariff({ perMinuteMinor: [17] }, "one price for two tiers"),
    tariff({ perMinuteMinor: [17, 34, 51] }, "three prices for two tiers"),
    tariff({ perMinuteMinor: [-17, 34] }, "negative price"),
    tariff({ perMinuteMinor: ["17", 34] }, "price as a string"),
    tariff({ perMinuteMinor: ["NaN", 34] }, "NaN price as a string"),
    tariff({ perMinuteMinor: [17, 1e6] }, "price above 100000 minor units"),
    tariff({ perMinuteMinor: [17, 1e308] }, "price 1e308"),
    tariff({ perMinuteMinor: { low: 17, high: 34 } }, "prices as an object"),
    tariff({ perKwhMinor: -1 }, "perKwhMinor negative"),
    tariff({ perKwhMinor: "20" }, "perKwhMinor a string"),
    tariff({ perKwhMinor: 100001 }, "perKwhMinor above the limit"),
    tariff({ perKwhMinor: null }, "perKwhMinor null"),
    tariff({ idlePerMinuteMinor: -35 }, "idle price negative"),
    tariff({ idlePerMinuteMinor: 1e9 }, "idle price huge"),
    tariff({ idleGraceMs: -1 }, "grace negative"),
    tariff({ idleGraceMs: 86400001 }, "grace over a day"),
    tariff({ idleGraceMs: "300000" }, "grace as a string"),
    tariff({ idleGraceMode: "none" }, "unknown grace mode"),
    tariff({ idleGraceMode: null }, "grace mode null (absent is allowed, null is not)"),
    tariff({ idleMinOccupancyPct: 101 }, "occupancy threshold above 100"),
    tariff({ idleMinOccupancyPct: -0.5 }, "occupancy threshold negative"),
    tariff({ idleMinOccupancyPct: null }, "occupancy threshold null (absent is allowed, null is not)"),
    tariff({ idleFullMultiplier: 0.5 }, "full multiplier below 1"),
    tariff({ idleFullMultiplier: 101 }, "full multiplier above 100"),
    tariff({ idleFullMultiplier: "2" }, "full multiplier a string"),
    tariff({ periodMs: 999 }, "period under 1 s"),
    tariff({ periodMs: 0 }, "period 0"),
    tariff({ periodMs: -60000 }, "period negative"),
    tariff({ periodMs: 60000.5 }, "fractional period"),
    tariff({ periodMs: 3600001 }, "period over an hour"),
    tariff({ periodMs: 1e15 }, "period huge"),
    tariff({ periodMs: "60000" }, "period as a string"),
    tariff({ vat: 19 }, "unknown field vat"),
    tariff({ name: "Germany 2017" }, "unknown field name"),
    {
        topicSuffix: "cmd/tariff",
        payload: JSON.stringify({ tariff: GOOD_TARIFF }),
        why: "tariff wrapped in an envelope",
    },
    { topicSuffix: "cmd/tariff", payload: '"DE-2017"', why: "a preset id instead of a tariff" },
    {
        topicSuffix: "cmd/tariff",
        payload: withFields(GOOD_TARIFF, {}).replace('"perKwhMinor":0', '"perKwhMinor":1e400'),
        why: "price overflows to Infinity",
    },
    tariff({ id: "\u{1F600}" }, "emoji id"),
]

// ---- cmd/ack -------------------------------------------------------------------------------

const ACK: BadCommand[] = [
    ack('{"sessionId":42}', "ack with a number"),
    ack("{}", "sessionId missing"),
    ack('{"sessionId":""}', "sessionId empty"),
    ack(JSON.stringify({ sessionId: "S1-1-" + "1".repeat(60) }), "sessionId of 65 characters"),
    ack('{"sessionId":null}', "sessionId null"),
    ack('{"sessionId":["S1-3-17"]}', "sessionId in an array"),
    ack('{"sessionId":"S1-3-17","extra":1}', "unknown field"),
    ack('{"id":"S1-3-17"}', "misnamed field"),
    ack('"S1-3-17"', "bare string"),
    ack('{"sessionId":true}', "sessionId a boolean"),
    ack('{"sessionIds":["S1-3-17"]}', "batch ack (not supported)"),
]

// ---- {prefix}/clock ---------------------------------------------------------------------------

const CLOCK: BadCommand[] = [
    clock('{"epochMs":0}', "1970"),
    clock('{"epochMs":1577836799999}', "one ms before 2020"),
    clock('{"epochMs":4102444800001}', "one ms after 2100"),
    clock('{"epochMs":1700000000}', "seconds instead of milliseconds"),
    clock('{"epochMs":"1700000000000"}', "epochMs a string"),
    clock('{"epochMs":1700000000000.5}', "fractional epochMs"),
    clock('{"epochMs":-1700000000000}', "negative"),
    clock('{"epochMs":null}', "null"),
    clock('{"epochMs":1e400}', "overflows to Infinity"),
    clock('{"epochMs":1700000000000,"tz":"Europe/Berlin"}', "unknown field"),
    clock('{"epoch":1700000000000}', "misnamed field"),
    clock('{"epochMs":"2023-11-14T22:13:20Z"}', "ISO date string"),
]

// ---- cmd/sharing ---------------------------------------------------------------------------

const SHARING: BadCommand[] = [
    sharing('{"on":"true"}', "on as a string"),
    sharing('{"on":1}', "on as a number"),
    sharing('{"on":0}', "off as a number"),
    sharing('{"on":null}', "on null"),
    sharing('{"on":[true]}', "on in an array"),
    sharing('{"on":"on"}', "the word on"),
    sharing("{}", "on missing"),
    sharing('{"On":true}', "field name in the wrong case"),
    sharing('{"sharing":true}', "misnamed field"),
    sharing('{"on":true,"pairedStall":"S2"}', "unknown field"),
]

// ---- {prefix}/site/occupancy ------------------------------------------------------------------

const OCCUPANCY: BadCommand[] = [
    occupancy('{"percent":101}', "above 100"),
    occupancy('{"percent":-1}', "negative"),
    occupancy('{"percent":50.5}', "fractional percent: whole percent only"),
    occupancy('{"percent":0.4}', "a share instead of a percent"),
    occupancy('{"percent":"40"}', "percent as a string"),
    occupancy('{"percent":null}', "percent null"),
    occupancy('{"percent":true}', "percent a boolean"),
    occupancy('{"percent":1e400}', "overflows to Infinity"),
    occupancy("{}", "percent missing"),
    occupancy('{"pct":40}', "misnamed field"),
    occupancy('{"percent":40,"total":10}', "unknown field"),
]

// ---- topics that are not this stall's: must be ignored, never applied --------------------

const foreign = (topic: string, wouldBe: CommandTopic, why: string): BadCommand => ({
    topicSuffix: "other-stall",
    topic,
    payload: JSON.stringify(GOOD_OF[wouldBe]),
    why,
    otherStall: true,
    wouldBe,
})

const OTHER_STALL: BadCommand[] = [
    foreign("{prefix}/OTHER/cmd/tariff", "cmd/tariff", "another stall's tariff"),
    foreign("{prefix}/OTHER/cmd/authorize", "cmd/authorize", "another stall's authorization"),
    foreign("{prefix}/OTHER/cmd/ack", "cmd/ack", "another stall's ack"),
    foreign("{prefix}/{stallId}0/cmd/tariff", "cmd/tariff", "prefix trap: S10 when the stall is S1"),
    foreign("{prefix}/{stallId}0/cmd/authorize", "cmd/authorize", "prefix trap: S10 authorize"),
    foreign("{prefix}/{stallId}-b/cmd/tariff", "cmd/tariff", "prefix trap: S1-b"),
    foreign("{prefix}/{stallId}/cmd/tariff/extra", "cmd/tariff", "one level deeper than the command"),
    foreign("{prefix}/{stallId}/cmd/tariffs", "cmd/tariff", "command name with a suffix"),
    foreign("{prefix}/{stallId}/cmd/ack2", "cmd/ack", "ack with a suffix"),
    foreign("{prefix}/{stallId}/CMD/TARIFF", "cmd/tariff", "topics are case-sensitive"),
    foreign("{prefix}x/{stallId}/cmd/tariff", "cmd/tariff", "another prefix that starts with ours"),
    foreign("other/{stallId}/cmd/tariff", "cmd/tariff", "another prefix"),
    foreign("{prefix}/clock/extra", "clock", "below the clock topic"),
    foreign("{prefix}/{stallId}/clock", "clock", "a clock under the stall's root is not the site clock"),
    foreign("{prefix}/clocks", "clock", "clock with a suffix"),
    foreign("{prefix}/OTHER/cmd/sharing", "cmd/sharing", "another stall's sharing"),
    foreign("{prefix}/{stallId}0/cmd/sharing", "cmd/sharing", "prefix trap: S10 sharing"),
    foreign("{prefix}/site/occupancy/extra", "site/occupancy", "below the occupancy topic"),
    foreign("{prefix}/site/occupancyPct", "site/occupancy", "occupancy with a suffix"),
    foreign("{prefix}/{stallId}/site/occupancy", "site/occupancy", "an occupancy under the stall's root"),
    foreign("{prefix}/{stallId}/occupancy", "site/occupancy", "occupancy as a stall topic"),
]

export const BAD_COMMANDS: BadCommand[] = [
    ...(Object.keys(GOOD_OF) as CommandTopic[]).flatMap(notAnObject),
    ...AUTHORIZE,
    ...TARIFF,
    ...ACK,
    ...SHARING,
    ...CLOCK,
    ...OCCUPANCY,
    ...OTHER_STALL,
]
