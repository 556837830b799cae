import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { outputsDiff } from "../../../src/core/trace/compare"
import { loadTrace } from "../../../sim/trace/load"
import { ignoredNote, outputLines, replayInNode, type ReplayReport } from "../../../sim/trace/report"
import { VmReplayer } from "../../../sim/trace/vm-replay"
import { inParallel, vectorNames } from "../../helpers/vm-vectors"
import { ROOT } from "../../helpers/devs"

// Every shared vector, replayed by the same core inside the DeviceScript WASM VM through
// `sim replay --vm`'s own path (sim/trace/vm-replay.ts), compared with SEMANTICS' rules
// and with the Node replay, byte for byte.
const VECTOR_DIR = join(ROOT, "test", "vectors")
const names = vectorNames(VECTOR_DIR)
const vm = new Map<string, ReplayReport>()
let replayer: VmReplayer

beforeAll(async () => {
    replayer = await VmReplayer.build()
    await inParallel(names, 2, async (name) => {
        vm.set(name, await replayer.replay(loadTrace(join(VECTOR_DIR, name + ".json"))))
    })
}, 600_000)

afterAll(async () => {
    await replayer?.close()
})

describe("shared vectors in the DeviceScript VM", () => {
    test.each(names)("%s", (name) => {
        const expected = readFileSync(join(VECTOR_DIR, name + ".expected.jsonl"), "utf8")
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l))
        const inVm = vm.get(name)!
        expect(outputsDiff(expected, inVm.outputs)).toBe(null)
        const inNode = replayInNode(loadTrace(join(VECTOR_DIR, name + ".json")))
        expect(outputLines(inVm)).toBe(outputLines(inNode))
        expect(ignoredNote(inVm, "sim replay")).toBe(ignoredNote(inNode, "sim replay"))
    })
})
