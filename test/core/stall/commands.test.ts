import { describe, expect, test } from "vitest"
import fc from "fast-check"
import {
    MAX_COMMAND_BYTES,
    MAX_FREE_WH,
    MAX_GRACE_MS,
    MAX_PERIOD_MS,
    MAX_PRICE_MINOR,
    parseAck,
    parseAuthorize,
    parseClock,
    parseOccupancy,
    parseSharing,
    parseTariff,
} from "../../../src/core/stall/commands"
import type { Result } from "../../../src/core/result"
import { PRESET_IDS, presetTariff } from "../../../src/core/billing/tariff"
import { kindOfTopic, validateMessage, validateText } from "../../../sim/mqtt/schemas"
import {
    BAD_COMMANDS,
    GOOD_ACK,
    GOOD_AUTHORIZE,
    GOOD_CLOCK,
    GOOD_OCCUPANCY,
    GOOD_SHARING,
    GOOD_TARIFF,
    topicOf,
    type BadCommand,
    type CommandTopic,
} from "../../helpers/bad-commands"

const PARSERS: Record<CommandTopic, (payload: string) => Result<unknown>> = {
    "cmd/authorize": parseAuthorize,
    "cmd/tariff": parseTariff,
    "cmd/ack": parseAck,
    "cmd/sharing": parseSharing,
    clock: parseClock,
    "site/occupancy": parseOccupancy,
}
/** each parser names its command at the start of the reason, for the rejection event */
const REASON_PREFIX: Record<CommandTopic, string> = {
    "cmd/authorize": "authorize: ",
    "cmd/tariff": "tariff: ",
    "cmd/ack": "ack: ",
    "cmd/sharing": "sharing: ",
    clock: "clock: ",
    "site/occupancy": "occupancy: ",
}

const mine = BAD_COMMANDS.filter((c) => !c.otherStall) as (BadCommand & { topicSuffix: CommandTopic })[]
const foreign = BAD_COMMANDS.filter((c) => c.otherStall)
const label = (c: BadCommand) => `${c.topicSuffix}: ${c.why}`

describe("the malformed-command corpus", () => {
    test("is big enough and covers every command topic and foreign topics", () => {
        expect(BAD_COMMANDS.length).toBeGreaterThanOrEqual(120)
        for (const t of Object.keys(PARSERS))
            expect(mine.filter((c) => c.topicSuffix === t).length).toBeGreaterThanOrEqual(20)
        expect(foreign.length).toBeGreaterThanOrEqual(10)
        for (const c of BAD_COMMANDS) expect(c.why.length).toBeGreaterThan(0)
        expect(mine.some((c) => c.payload.length > MAX_COMMAND_BYTES)).toBe(true)
    })
})

describe("every malformed command is rejected by its parser, with a reason", () => {
    test.each(mine.map((c) => [label(c), c] as const))("%s", (_, c) => {
        const error = PARSERS[c.topicSuffix](c.payload).error
        expect(error).toMatch(new RegExp("^" + REASON_PREFIX[c.topicSuffix] + "\\S"))
    })
})

describe("commands on topics that are not this stall's are not routed to it", () => {
    const stalls: [string, string][] = [
        ["stalls", "S1"],
        ["site-7", "S1"],
    ]
    test.each(foreign.map((c) => [c.topic!, c] as const))("%s", (_, c) => {
        // the payload is valid where it would be: only the topic keeps it out
        expect(PARSERS[c.wouldBe!](c.payload).error).toBeNull()
        for (const [prefix, stallId] of stalls)
            expect(kindOfTopic(topicOf(c, prefix, stallId), prefix, stallId)).toBeNull()
    })

    test("this stall's own command topics are routed", () => {
        for (const t of Object.keys(PARSERS) as CommandTopic[]) {
            const c: BadCommand = { topicSuffix: t, payload: "", why: "" }
            expect(kindOfTopic(topicOf(c, "stalls", "S1"), "stalls", "S1")).toBe(t)
        }
        expect(kindOfTopic("stalls/S1/status", "stalls", "S1")).toBe("status")
    })
})

// ---- valid commands ------------------------------------------------------------------------

const tariffWith = (patch: object) => JSON.stringify({ ...GOOD_TARIFF, ...patch })
const { idleGraceMode: _omit, ...TARIFF_WITHOUT_MODE } = GOOD_TARIFF
const padTo = (json: string, chars: number) => json.slice(0, -1) + " ".repeat(chars - json.length) + "}"

const VALID: [CommandTopic, string, string][] = [
    ...PRESET_IDS.map((id): [CommandTopic, string, string] => [
        "cmd/tariff",
        `preset ${id}`,
        JSON.stringify(presetTariff(id)),
    ]),
    ["cmd/tariff", "idleGraceMode absent (= deduct)", JSON.stringify(TARIFF_WITHOUT_MODE)],
    ["cmd/tariff", "waive mode", tariffWith({ idleGraceMode: "waive" })],
    [
        "cmd/tariff",
        "7 thresholds, 8 prices",
        tariffWith({ tierThresholdsKw: [25, 50, 75, 100, 150, 200, 300], perMinuteMinor: [1, 2, 3, 4, 5, 6, 7, 8] }),
    ],
    [
        "cmd/tariff",
        "fractional prices and thresholds",
        tariffWith({ tierThresholdsKw: [7.4], perMinuteMinor: [17.5, 34.25] }),
    ],
    [
        "cmd/tariff",
        "every limit exactly",
        tariffWith({
            id: "A".repeat(16) + "z.9_-".repeat(3) + "0",
            tierThresholdsKw: [10000],
            perMinuteMinor: [MAX_PRICE_MINOR, 0],
            perKwhMinor: MAX_PRICE_MINOR,
            idlePerMinuteMinor: MAX_PRICE_MINOR,
            idleGraceMs: MAX_GRACE_MS,
            periodMs: MAX_PERIOD_MS,
        }),
    ],
    [
        "cmd/tariff",
        "occupancy-aware idle (half full, doubled when full)",
        tariffWith({ idleMinOccupancyPct: 50, idleFullMultiplier: 2 }),
    ],
    ["cmd/tariff", "shortest period, no grace", tariffWith({ periodMs: 1000, idleGraceMs: 0 })],
    ["cmd/tariff", "prices with 3 decimals", tariffWith({ perMinuteMinor: [17.125, 34.5] })],
    [
        "cmd/tariff",
        "period written 60000.0 (an integer in JSON)",
        tariffWith({}).replace('"periodMs":60000', '"periodMs":60000.0'),
    ],
    ["cmd/tariff", "payload of exactly 1024 characters", padTo(tariffWith({}), MAX_COMMAND_BYTES)],
    ["cmd/authorize", "account and credit", JSON.stringify(GOOD_AUTHORIZE)],
    ["cmd/authorize", "account only", '{"account":"a"}'],
    ["cmd/authorize", "64-character account", JSON.stringify({ account: "x".repeat(64) })],
    ["cmd/authorize", "printable ASCII with symbols", JSON.stringify({ account: "bmw-app:42/Zoe M. ~", freeWh: 0 })],
    ["cmd/authorize", "largest credit", JSON.stringify({ account: "a", freeWh: MAX_FREE_WH })],
    ["cmd/authorize", "no credit left", JSON.stringify({ account: "a", freeWh: 0 })],
    ["cmd/authorize", "whitespace around the JSON", ' \n{"account":"a"}\n '],
    ["cmd/ack", "sessionId", JSON.stringify(GOOD_ACK)],
    ["cmd/ack", "64-character sessionId", JSON.stringify({ sessionId: "S".repeat(60) + "-1-1" })],
    ["cmd/ack", "an id this stall never sent (harmless)", '{"sessionId":"nope"}'],
    ["clock", "a time", JSON.stringify(GOOD_CLOCK)],
    ["clock", "2020-01-01T00:00:00Z exactly", '{"epochMs":1577836800000}'],
    ["clock", "2100-01-01T00:00:00Z exactly", '{"epochMs":4102444800000}'],
    ["clock", "written with an exponent", '{"epochMs":1.7e12}'],
    ["cmd/sharing", "on", JSON.stringify(GOOD_SHARING)],
    ["cmd/sharing", "off", '{"on":false}'],
    ["site/occupancy", "some", JSON.stringify(GOOD_OCCUPANCY)],
    ["site/occupancy", "empty", '{"percent":0}'],
    ["site/occupancy", "full", '{"percent":100}'],
    ["site/occupancy", "written 50.0 (an integer in JSON)", '{"percent":50.0}'],
]

describe("valid commands are accepted by the parser and the schema", () => {
    test.each(VALID)("%s: %s", (topic, _, payload) => {
        expect(PARSERS[topic](payload).error).toBeNull()
        expect(validateText(topic, payload)).toBeNull()
    })

    test("parsed values are what was sent (tariff normalized with its grace mode and occupancy defaults)", () => {
        expect(parseTariff(JSON.stringify(TARIFF_WITHOUT_MODE))).toEqual({
            error: null,
            value: { ...GOOD_TARIFF, idleMinOccupancyPct: 0, idleFullMultiplier: 1 },
        })
        expect(parseAuthorize('{"account":"a"}')).toEqual({ error: null, value: { account: "a", freeWh: 0 } })
        expect(parseAck(JSON.stringify(GOOD_ACK))).toEqual({ error: null, value: GOOD_ACK.sessionId })
        expect(parseClock(JSON.stringify(GOOD_CLOCK))).toEqual({ error: null, value: GOOD_CLOCK.epochMs })
        expect(parseSharing('{"on":false}')).toEqual({ error: null, value: false })
        expect(parseOccupancy(JSON.stringify(GOOD_OCCUPANCY))).toEqual({ error: null, value: 40 })
    })

    test("what the stall applies is itself valid for the schema (and so for the tap)", () => {
        const r = parseTariff(JSON.stringify(TARIFF_WITHOUT_MODE))
        expect(r.error).toBeNull()
        expect(validateMessage("cmd/tariff", r.value)).toBeNull()
        expect(validateMessage("tap", { t: 5, event: "tariff", tariff: r.value })).toBeNull()
    })
})

// ---- schema and parser agree ---------------------------------------------------------------

describe("the JSON Schema rejects the malformed commands too", () => {
    const both = mine.filter((c) => !c.parserOnly)
    test.each(both.map((c) => [label(c), c] as const))("%s", (_, c) => {
        expect(validateText(c.topicSuffix, c.payload)).not.toBeNull()
    })

    const parserOnly = mine.filter((c) => c.parserOnly)
    test.each(parserOnly.map((c) => [c.parserOnly!, label(c), c] as const))(
        "documented difference, only the parser rejects (%s): %s",
        (_, __, c) => {
            expect(validateText(c.topicSuffix, c.payload)).toBeNull()
            expect(PARSERS[c.topicSuffix](c.payload).error).not.toBeNull()
        }
    )
})

const ascending = (th: unknown) => Array.isArray(th) && th.every((x, i) => i === 0 || x > th[i - 1])
const schemaAccepts = (kind: string, payload: string) => validateText(kind, payload) === null

describe("properties", () => {
    const junk = fc.oneof(
        fc.string(),
        fc.string({ unit: "binary", maxLength: 2000 }),
        fc.json(),
        fc.anything().map((x) => JSON.stringify(x) ?? "undefined")
    )
    test.each(Object.entries(PARSERS))("%s never throws and always answers ok or a reason", (_, parse) => {
        fc.assert(
            fc.property(junk, (s) => {
                const r = parse(s)
                return r.error === null ? r.value !== undefined : typeof r.error === "string" && r.error.length > 0
            }),
            { numRuns: 1500 }
        )
    })

    // fields drawn mostly from good values, with bad ones mixed in, so both verdicts are common
    const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 12 })
    const mix = <T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>) =>
        fc.oneof({ arbitrary: good, weight: 6 }, { arbitrary: bad, weight: 1 })
    const num = (max: number) =>
        fc.oneof(fc.double({ min: -10, max, noNaN: true }), fc.nat(max), fc.constantFrom(null, "1"))
    /** whole, 3-decimal (accepted) and arbitrary (rejected: over 3 decimals) values */
    const decimal = (min: number, max: number) =>
        fc.oneof(
            fc.integer({ min: Math.ceil(min), max }),
            fc.integer({ min: Math.ceil(min * 1000), max: max * 1000 }).map((m) => m / 1000),
            fc.double({ min, max, noNaN: true })
        )
    const price = mix(decimal(0, MAX_PRICE_MINOR), num(120000))
    const thresholds = mix(
        fc.array(decimal(0.5, 10000), { minLength: 1, maxLength: 7 }).chain((th) =>
            fc.constantFrom(
                th,
                [...th].sort((x, y) => x - y)
            )
        ),
        fc.array(num(12000), { maxLength: 8 })
    )
    const tariffs = fc
        .record({
            id: opt(
                mix(fc.constantFrom("DE-2017", "x", "a".repeat(32)), fc.constantFrom("a".repeat(33), "", "DE 2017", 7))
            ),
            currency: opt(mix(fc.constantFrom("EUR", "USD"), fc.constantFrom("eur", "EURO", null))),
            mode: opt(mix(fc.constantFrom("per_minute", "per_kwh"), fc.constant("per_hour"))),
            tierThresholdsKw: opt(thresholds),
            perMinuteMinor: opt(fc.array(price, { minLength: 1, maxLength: 9 })),
            fit: mix(fc.constant(true), fc.constant(false)),
            perKwhMinor: opt(price),
            idlePerMinuteMinor: opt(price),
            idleGraceMs: opt(mix(fc.nat(MAX_GRACE_MS), num(90000000))),
            idleGraceMode: fc.option(mix(fc.constantFrom("deduct", "waive"), fc.constantFrom("none", null)), {
                nil: undefined,
            }),
            periodMs: opt(
                mix(fc.integer({ min: 1000, max: MAX_PERIOD_MS }), fc.constantFrom(999, 0, 1000.5, MAX_PERIOD_MS + 1))
            ),
            extra: mix(fc.constant(undefined), fc.constant(1)),
        })
        .map(({ fit, ...t }) => {
            // mostly one price per tier, or the length check hides every other rule
            const th = t.tierThresholdsKw
            if (fit && Array.isArray(th) && t.perMinuteMinor)
                t.perMinuteMinor = Array.from(
                    { length: th.length + 1 },
                    (_, i) => t.perMinuteMinor![i % t.perMinuteMinor!.length]
                )
            return t
        })

    /** the parser's rule for prices and thresholds: at most 3 decimals */
    const fewDecimals = (xs: unknown[]) =>
        xs.every((x) => typeof x !== "number" || Math.abs(Math.round(x * 1000) - x * 1000) < 1e-6)

    test("parseTariff accepts exactly what the schema accepts, plus: thresholds strictly ascending, at most 3 decimals", () => {
        let accepted = 0
        fc.assert(
            fc.property(tariffs, (t) => {
                const payload = JSON.stringify(t)
                const ok = parseTariff(payload).error === null
                if (ok) accepted++
                const numbers = [t.perKwhMinor, t.idlePerMinuteMinor]
                for (const list of [t.perMinuteMinor, t.tierThresholdsKw])
                    if (Array.isArray(list)) numbers.push(...list)
                return (
                    ok ===
                    (schemaAccepts("cmd/tariff", payload) && ascending(t.tierThresholdsKw) && fewDecimals(numbers))
                )
            }),
            { numRuns: 3000 }
        )
        expect(accepted).toBeGreaterThan(20) // the property saw both verdicts
    })

    const authorizations = fc.record({
        account: opt(
            fc.oneof(
                fc.string({
                    unit: fc.integer({ min: 32, max: 126 }).map((c) => String.fromCharCode(c)),
                    maxLength: 70,
                }),
                fc.string({ unit: "binary-ascii", maxLength: 70 }),
                fc.string({ unit: "binary", maxLength: 40 }),
                fc.constantFrom(null, 5)
            )
        ),
        freeWh: opt(fc.oneof(fc.nat(2e9), num(2e9), fc.constant(1e12))),
        extra: opt(fc.constant("x")),
    })

    test("parseAuthorize accepts exactly what the schema accepts, plus: at most 64 UTF-16 units", () => {
        let accepted = 0
        fc.assert(
            fc.property(authorizations, (a) => {
                const payload = JSON.stringify(a)
                const ok = parseAuthorize(payload).error === null
                if (ok) accepted++
                const utf16 = typeof a.account !== "string" || a.account.length <= 64
                return ok === (schemaAccepts("cmd/authorize", payload) && utf16)
            }),
            { numRuns: 3000 }
        )
        expect(accepted).toBeGreaterThan(10)
    })

    test("parseOccupancy and parseSharing accept exactly what the schemas accept", () => {
        const percents = fc.oneof(
            fc.integer({ min: -5, max: 105 }),
            fc.double({ min: -5, max: 105, noNaN: true }),
            fc.constantFrom(null, "40", true)
        )
        fc.assert(
            fc.property(percents, (p) => {
                const payload = JSON.stringify({ percent: p })
                return (parseOccupancy(payload).error === null) === schemaAccepts("site/occupancy", payload)
            }),
            { numRuns: 1000 }
        )
        fc.assert(
            fc.property(fc.jsonValue(), (on) => {
                const payload = JSON.stringify({ on })
                return (parseSharing(payload).error === null) === schemaAccepts("cmd/sharing", payload)
            }),
            { numRuns: 500 }
        )
    })

    test("parseClock accepts exactly what the schema accepts", () => {
        const clocks = fc.oneof(
            fc.integer({ min: 1_500_000_000_000, max: 4_200_000_000_000 }),
            fc.double({ min: 1.5e12, max: 4.2e12, noNaN: true }),
            fc.constantFrom(null, "1700000000000")
        )
        fc.assert(
            fc.property(clocks, (e) => {
                const payload = JSON.stringify({ epochMs: e })
                return (parseClock(payload).error === null) === schemaAccepts("clock", payload)
            }),
            { numRuns: 1000 }
        )
    })
})
