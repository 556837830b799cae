import { describe, expect, test } from "vitest"
import { defineCommand, helpText, parseCommandLine, UsageError } from "../../../sim/commands/args"

const SPEC = defineCommand({
    name: "x",
    summary: "a command with an optional value",
    positionals: [{ name: "FILE", description: "a file", optional: true }],
    options: {
        web: { value: "PORT", optionalValue: /^\d+$/, description: "serve" },
        db: { value: "URL", description: "a database" },
    },
    examples: ["sim x --web"],
})

describe("an option with an optional value", () => {
    test.each([
        [["--web"], true, []],
        [["f.json", "--web"], true, ["f.json"]],
        [["--web", "f.json"], true, ["f.json"]],
        [["--web", "8080", "f.json"], "8080", ["f.json"]],
        [["--web=8080"], "8080", []],
        [["--web=abc"], "abc", []],
        [["--web", "--db", "sqlite:x"], true, []],
    ])("%j", (argv, web, positionals) => {
        const parsed = parseCommandLine(SPEC, argv)
        expect(parsed.values.web).toBe(web)
        expect(parsed.positionals).toEqual(positionals)
        if (argv.includes("--db")) expect(parsed.values.db).toBe("sqlite:x")
    })

    test("absent, it is absent; the help shows the value in brackets", () => {
        expect(parseCommandLine(SPEC, ["f.json"]).values.web).toBeUndefined()
        expect(helpText(SPEC)).toMatch(/^ {2}--web \[PORT\] +serve$/m)
        expect(() => parseCommandLine(SPEC, ["--db"])).toThrow(UsageError)
    })
})
