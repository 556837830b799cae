import fc from "fast-check"
import { describe, expect, test } from "vitest"
import {
    clockTopic,
    commandFilter,
    commandTopic,
    everyStall,
    parseTopic,
    siteOccupancyTopic,
    STALL_TOPICS,
    stallTopic,
    topicKind,
} from "../../../src/core/stall/topics"

const level = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/)
const prefix = fc.oneof(
    level,
    fc.tuple(level, level).map(([a, b]) => a + "/" + b)
)

describe("the topic tree", () => {
    test("every topic it builds parses back to its kind and stall", () => {
        fc.assert(
            fc.property(prefix, level, fc.constantFrom(...STALL_TOPICS), (p, s, kind) => {
                expect(parseTopic(stallTopic(p, s, kind), p)).toEqual({ stallId: s, kind })
                expect(topicKind(stallTopic(p, s, kind), p, s)).toBe(kind)
                expect(topicKind(clockTopic(p), p, s)).toBe("clock")
                expect(topicKind(siteOccupancyTopic(p), p, s)).toBe("site/occupancy")
            })
        )
    })

    test("another stall's topic is never this stall's, even when one id starts with the other", () => {
        fc.assert(
            fc.property(
                level,
                level,
                fc.string({ minLength: 1, maxLength: 4 }),
                fc.constantFrom(...STALL_TOPICS),
                (p, s, tail, kind) => {
                    expect(topicKind(stallTopic(p, s + tail, kind), p, s)).toBeNull()
                    expect(topicKind(stallTopic(p + tail, s, kind), p, s)).toBeNull()
                }
            )
        )
    })

    test.each([
        "stalls/S1",
        "stalls/S1/",
        "stalls/S1/cmd",
        "stalls/S1/cmd/",
        "stalls/S1/cmd/tariffs",
        "stalls/S1/status/x",
        "stalls/S1/clock",
        "stalls/clock/x",
        "stalls/site/occupancy/x",
        "stalls/site/occupancyPct",
        "stalls/S1/site/occupancy",
        "stalls/S1/occupancy",
        "stalls/site",
        "stalls//status",
        "stallsx/S1/status",
        "STALLS/S1/status",
    ])("%s is not a topic of stall S1", (t) => {
        expect(topicKind(t, "stalls", "S1")).toBeNull()
    })

    test("commands, filters and the clock", () => {
        expect(commandTopic("stalls", "S1", "ack")).toBe("stalls/S1/cmd/ack")
        expect(topicKind(commandTopic("stalls", "S1", "tariff"), "stalls", "S1")).toBe("cmd/tariff")
        expect(commandFilter("stalls", "S1")).toBe("stalls/S1/cmd/#")
        expect(everyStall("stalls", "session")).toBe("stalls/+/session")
        expect(clockTopic("site/7")).toBe("site/7/clock")
        expect(siteOccupancyTopic("site/7")).toBe("site/7/site/occupancy")
        expect(parseTopic("site/7/site/occupancy", "site/7")).toEqual({ stallId: null, kind: "site/occupancy" })
        expect(topicKind(commandTopic("stalls", "S1", "sharing"), "stalls", "S1")).toBe("cmd/sharing")
    })
})
