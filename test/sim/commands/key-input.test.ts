import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { readKeys, type KeyInput } from "../../../sim/commands/key-input"

describe("keys from stdin", () => {
    it("from a pipe: one call per character until the end of the input", async () => {
        const input = new PassThrough()
        const keys: string[] = []
        const done = readKeys(input, (k) => void keys.push(k))
        input.write("b5\nc")
        input.end("é")
        await done
        expect(keys).toEqual(["b", "5", "\n", "c", "é"])
    })

    it("stops at the key the handler says, ignoring the rest", async () => {
        const input = new PassThrough()
        const keys: string[] = []
        const done = readKeys(input, (k) => (keys.push(k), k === "q" ? "stop" : undefined))
        input.write("abqcd")
        await done
        expect(keys).toEqual(["a", "b", "q"])
        expect(input.listenerCount("data")).toBe(0)
    })

    it("on a terminal: raw mode while reading, restored after, and the process let go", async () => {
        const modes: boolean[] = []
        let unrefs = 0
        const input = Object.assign(new PassThrough(), {
            isTTY: true,
            setRawMode: (raw: boolean) => modes.push(raw),
            unref: () => unrefs++,
        }) as KeyInput & PassThrough
        const done = readKeys(input, (k) => (k === "\x03" ? "stop" : undefined))
        expect(modes).toEqual([true])
        input.write("a\x03")
        await done
        expect(modes).toEqual([true, false])
        expect(unrefs).toBe(1)
    })
})
