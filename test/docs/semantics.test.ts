import { describe, expect, test } from "vitest"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { ROOT } from "../helpers/devs"

// The billing contract the README points to, kept in the clone; ../shared holds the original.
const OURS = join(ROOT, "docs", "SEMANTICS.md")
const SHARED = join(ROOT, "..", "shared", "SEMANTICS.md")

describe("docs/SEMANTICS.md", () => {
    test("is in the repository", () => {
        expect(readFileSync(OURS, "utf8")).toMatch(/\S/)
    })

    test.runIf(existsSync(SHARED))("is an identical copy of ../shared/SEMANTICS.md", () => {
        expect(readFileSync(OURS).equals(readFileSync(SHARED))).toBe(true)
    })
})
