import { beforeAll, describe, expect, test } from "vitest"
import { join } from "node:path"
import { batchVectors, readVmVector, vectorNames, writeVectorModule } from "../../helpers/vm-vectors"
import { ROOT, runDevsTest } from "../../helpers/devs"

// Every shared vector, replayed by the same core inside the DeviceScript WASM VM
// (test/devs/vectors.ts), compared there with SEMANTICS' rules.
const VECTOR_DIR = join(ROOT, "test", "vectors")
const names = vectorNames(VECTOR_DIR)
const results = new Map<string, string>()
/** each vector's VM run, to show when it did not say ok */
const runLogs = new Map<string, string>()

beforeAll(async () => {
    const batches = batchVectors(names.map((n) => readVmVector(VECTOR_DIR, n)))
    for (const batch of batches) {
        writeVectorModule(batch, join(ROOT, "test", "devs", "gen", "vectors.g.ts"))
        const run = await runDevsTest("test/devs/vectors.ts", 300_000)
        for (const v of batch) runLogs.set(v.name, `exit ${run.code}\n` + run.lines.join("\n"))
        for (const line of run.lines) {
            const m = /^vector (\S+) rows \d+ ms \d+ (ok|FAIL)$/.exec(line)
            if (m) results.set(m[1], m[2])
        }
    }
}, 600_000)

describe("shared vectors in the DeviceScript VM", () => {
    test.each(names)("%s", (name) => {
        expect(results.get(name), runLogs.get(name)).toBe("ok")
    })
})
