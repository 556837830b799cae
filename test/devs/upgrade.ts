// A v1 checkpoint (the fixture written by the v1 codec in the VM) restored by the v2 firmware
// in the DeviceScript VM: the session carries on; and a v2 checkpoint written in Node, too. test/devs/gen/checkpoint-v1.ts is written by
// test/core/codec/checkpoint-vm.test.ts from test/core/billing/fixtures/checkpoint-v1.json.
import { describe, expect, test } from "@devicescript/test"
import { V1_ITEMS, V1_LAST_T, V2_FROM_NODE } from "./gen/checkpoint-v1"
import { resumeV1 } from "./upgrade-session"

describe("upgrade", () => {
    test("a v1 checkpoint resumes under v2", () => {
        const r = resumeV1(V1_ITEMS, V1_LAST_T)
        console.log("resumed " + r.join(","))
        expect(r.length).toBe(7)
    })
    test("a v2 checkpoint written in Node resumes in the VM", () => {
        const r = resumeV1(V2_FROM_NODE, V1_LAST_T)
        console.log("from node " + r.join(","))
        expect(r.length).toBe(7)
    })
})
