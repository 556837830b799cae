import { describe, expect, test } from "vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { outputsDiff } from "../../../src/core/trace/compare"
import { replayTrace } from "../../../src/core/trace/replay"
import { vectorNames } from "../../helpers/vm-vectors"
import { ROOT } from "../../helpers/devs"

const VECTOR_DIR = join(ROOT, "test", "vectors")
const SHARED_DIR = join(ROOT, "..", "shared", "vectors-v2")
const names = vectorNames(VECTOR_DIR)

function readExpected(name: string): unknown[] {
    return readFileSync(join(VECTOR_DIR, name + ".expected.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l))
}

describe("shared vectors in Node", () => {
    test("there are vectors to replay", () => {
        expect(names.length).toBeGreaterThanOrEqual(27)
    })

    test.each(names)("%s", (name) => {
        const trace = JSON.parse(readFileSync(join(VECTOR_DIR, name + ".json"), "utf8"))
        expect(outputsDiff(readExpected(name), replayTrace(trace))).toBeNull()
    })

    test.runIf(existsSync(SHARED_DIR))("test/vectors is an identical copy of ../shared/vectors-v2", () => {
        const ours = readdirSync(VECTOR_DIR).sort()
        expect(ours).toEqual(readdirSync(SHARED_DIR).sort())
        for (const f of ours)
            expect(readFileSync(join(VECTOR_DIR, f)).equals(readFileSync(join(SHARED_DIR, f))), f).toBe(true)
    })
})

describe("the comparison rule itself", () => {
    const record = readExpected("01-de-basic-tiers").find((o: any) => o.type === "session") as any

    test("energyWh, freeWhUsed, energyMinor, totalMinor may differ by 1", () => {
        for (const path of [["energyWh"], ["freeWhUsed"], ["cost", "energyMinor"], ["cost", "totalMinor"]]) {
            const copy = structuredClone(record)
            const parent = path.length === 2 ? copy[path[0]] : copy
            parent[path[path.length - 1]] += 1
            expect(outputsDiff([record], [copy]), path.join(".")).toBeNull()
            parent[path[path.length - 1]] += 1
            expect(outputsDiff([record], [copy]), path.join(".")).not.toBeNull()
        }
    })

    test("every other integer must match exactly", () => {
        for (const key of ["chargingMs", "idleMs", "idleBilledMinutes", "sessionSeq"]) {
            const copy = structuredClone(record)
            copy[key] += 1
            expect(outputsDiff([record], [copy]), key).toContain(key)
        }
        const copy = structuredClone(record)
        copy.cost.timeMinor += 1
        expect(outputsDiff([record], [copy])).toContain("timeMinor")
    })

    test("status lines, missing and extra lines", () => {
        const s = { type: "status", t: 5, state: "charging" }
        expect(outputsDiff([s], [{ ...s, t: 6 }])).toContain(".t")
        expect(outputsDiff([s], [])).toContain("missing")
        expect(outputsDiff([], [s])).toContain("unexpected")
    })
})
