import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { expect, test } from "vitest"
import { ROOT, runDevsTest } from "../../helpers/devs"
import { resumeV1 } from "../../devs/upgrade-session"
import { StallAccounting } from "../../../src/core/billing/accounting"
import { configFrom } from "../../../src/core/billing/config"
import { CHECKPOINT_VERSION } from "../../../src/core/billing/state-codec"

// The upgrade in the VM: the v2 firmware restores a checkpoint the v1 firmware wrote in the
// VM and finishes the session exactly as Node finishes its own copy.
test("a v1 checkpoint restored by the v2 firmware in the DeviceScript VM", async () => {
    const fixture = (name: string) => JSON.parse(readFileSync(join(ROOT, "test/core/billing/fixtures", name), "utf8"))
    // written by the v1 firmware's codec in the VM: the Node-written fixture's items, but for the
    // checksum (the VM's `%` took a dividend past 2^31 as an int32); v2 reads both and writes
    // one checksum that both runtimes compute alike
    const v1 = fixture("checkpoint-v1-vm.json")
    const node = fixture("checkpoint-v1.json")
    expect(v1.items[1]).toBe(1) // the v1 layout
    expect(v1.items.slice(0, -1)).toEqual(node.items.slice(0, -1))
    expect(v1.items.at(-1)).not.toBe(node.items.at(-1))
    // the same session checkpointed again by this (v2) codec, in Node
    const a = new StallAccounting(configFrom({}))
    a.restore(node.items)
    const v2FromNode = a.checkpoint()
    expect(v2FromNode[1]).toBe(CHECKPOINT_VERSION)
    mkdirSync(join(ROOT, "test/devs/gen"), { recursive: true })
    writeFileSync(
        join(ROOT, "test/devs/gen/checkpoint-v1.ts"),
        `// written by test/core/codec/checkpoint-vm.test.ts\nimport { CheckpointItem } from "../../../src/core/codec/checkpoint"\n` +
            `export const V1_ITEMS: CheckpointItem[] = ${JSON.stringify(v1.items)}\nexport const V1_LAST_T = ${v1.lastT}\n` +
            `export const V2_FROM_NODE: CheckpointItem[] = ${JSON.stringify(v2FromNode)}\n`
    )
    const run = await runDevsTest("test/devs/upgrade.ts", 60_000)
    const summary = run.lines.find((l) => l.startsWith("tests: "))
    expect(summary, run.lines.join("\n")).toMatch(/^tests: (\d+), pass: \1, error: 0$/)
    const line = run.lines.find((l) => l.startsWith("resumed "))
    const vm = line!.slice("resumed ".length).split(",").map(Number)
    // idle 399 s + 62 s: ceil((461 - 300) / 60) = 3 minutes at 35; 51 of charging time
    expect(vm).toEqual([461_000, 3, 0, 0, 51, 105, 156])
    // and Node, from its own copy, finishes it the same; and the VM from Node's v2 checkpoint
    expect(resumeV1(node.items, node.lastT)).toEqual(vm)
    const fromNode = run.lines.find((l) => l.startsWith("from node "))
    expect(fromNode!.slice("from node ".length).split(",").map(Number)).toEqual(vm)
}, 120_000)
