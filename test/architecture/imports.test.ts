// The import rules of the tree (README "What is where"), checked on the sources as text:
// billing <- stall protocol <- shells, one way; core free of I/O; sim never reaches into test.
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { describe, expect, test } from "vitest"

const ROOT = resolve(import.meta.dirname, "..", "..")

/** Layers of src/core, lowest first: a layer imports only its own and lower ones. */
const CORE_LAYERS = ["", "codec", "billing", "stall", "trace"]
/** Where code outside src/core may enter it: each layer's public module. */
const PUBLIC = /^src\/core\/((billing|codec|stall|trace)\/index|result|num)\.ts$/

export interface Import {
    /** importing file, relative to the root */
    from: string
    /** what it names: a relative import resolved to a root-relative file, else the bare specifier */
    to: string
    line: number
}

function filesUnder(dir: string): string[] {
    const out: string[] = []
    for (const name of readdirSync(join(ROOT, dir))) {
        const p = join(dir, name)
        if (name === "node_modules" || name === "gen" || name === "vectors") continue
        if (statSync(join(ROOT, p)).isDirectory()) out.push(...filesUnder(p))
        else if (p.endsWith(".ts")) out.push(p)
    }
    return out
}

function isFile(f: string): boolean {
    try {
        return statSync(join(ROOT, f)).isFile()
    } catch {
        return false
    }
}

function resolveImport(from: string, spec: string, exists: (f: string) => boolean): string {
    if (!spec.startsWith(".")) return spec
    const base = relative(ROOT, resolve(ROOT, dirname(from), spec))
    for (const ext of [".ts", "/index.ts", ""]) if (exists(base + ext)) return base + ext
    return base
}

/** Every static, re-export and dynamic import of `files` (type-only ones too: they are dependencies). */
export function importsOf(
    files: string[],
    read = (f: string) => readFileSync(join(ROOT, f), "utf8"),
    exists = isFile
): Import[] {
    const out: Import[] = []
    const pattern =
        /(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|import\s*\(\s*["']([^"']+)["']\s*\)|^import\s+["']([^"']+)["']/gm
    for (const from of files) {
        const text = read(from)
        for (const m of text.matchAll(pattern)) {
            const spec = m[1] ?? m[2] ?? m[3]
            out.push({ from, to: resolveImport(from, spec, exists), line: text.slice(0, m.index).split("\n").length })
        }
    }
    return out
}

const layerOf = (file: string): string | null => {
    const m = /^src\/core\/(?:([a-z]+)\/)?[^/]+?(\.ts)?$/.exec(file)
    return m ? (m[1] ?? "") : null
}

/** One line per broken rule; empty when the tree keeps them all. */
export function brokenRules(imports: Import[]): string[] {
    const broken: string[] = []
    const at = (i: Import) => `${i.from}:${i.line} imports ${i.to}`
    for (const i of imports) {
        const fromLayer = layerOf(i.from)
        const toCore = i.to.startsWith("src/core/")
        if (fromLayer !== null) {
            if (!toCore) broken.push(`${at(i)}: src/core imports nothing outside src/core (no I/O, no platform)`)
            else if (CORE_LAYERS.indexOf(layerOf(i.to) ?? "?") > CORE_LAYERS.indexOf(fromLayer))
                broken.push(
                    `${at(i)}: core layer "${fromLayer || "core"}" may not import the higher layer "${layerOf(i.to)}"`
                )
        } else if (toCore && !PUBLIC.test(i.to) && /^(src|sim|bench)\//.test(i.from))
            broken.push(`${at(i)}: outside src/core, import a layer's public module (src/core/<layer>/index.ts)`)
        if (i.from.startsWith("sim/") && i.to.startsWith("test/")) broken.push(`${at(i)}: sim never imports test`)
        if (i.from.startsWith("src/") && /^(sim|test|bench)\//.test(i.to))
            broken.push(`${at(i)}: the firmware imports nothing of the host side`)
    }
    return broken
}

/** Import cycles between files, each as the list of files around it. */
export function cycles(imports: Import[]): string[][] {
    const edges = new Map<string, string[]>()
    for (const i of imports) edges.set(i.from, [...(edges.get(i.from) ?? []), i.to])
    const found: string[][] = []
    const state = new Map<string, "open" | "done">()
    const stack: string[] = []
    const visit = (f: string) => {
        state.set(f, "open")
        stack.push(f)
        for (const t of edges.get(f) ?? []) {
            if (state.get(t) === "open") found.push(stack.slice(stack.indexOf(t)).concat(t))
            else if (!state.has(t)) visit(t)
        }
        stack.pop()
        state.set(f, "done")
    }
    for (const f of edges.keys()) if (!state.has(f)) visit(f)
    return found
}

const TOPIC_OWNER = "src/core/stall/topics.ts"
/** a string literal that spells a level of the topic tree ("/status", `/cmd/`, "/clock"…) */
const TOPIC_LITERAL =
    /["'`][^"'`\n]*\/(?:cmd\/|status["'`/]|telemetry["'`]|session["'`]|event["'`]|tap["'`]|echo["'`]|clock["'`])/

/** Lines of code (not comments, not imports) that spell a topic level. */
function topicLiterals(files: string[], read = (f: string) => readFileSync(join(ROOT, f), "utf8")): string[] {
    return files.flatMap((f) =>
        read(f)
            .split("\n")
            .map((line, n) => [line, n] as const)
            .filter(
                ([line]) => !/^\s*(\/\/|\*|\/\*|import\b|export\b.*\bfrom\b)/.test(line) && TOPIC_LITERAL.test(line)
            )
            .map(([line, n]) => `${f}:${n + 1}: ${line.trim()}`)
    )
}

const FIRMWARE_AND_SIM = [...filesUnder("src"), ...filesUnder("sim")]
const ALL = [...FIRMWARE_AND_SIM, ...filesUnder("test"), ...filesUnder("bench")]

describe("import rules", () => {
    test("the tree keeps them", () => {
        expect(brokenRules(importsOf(ALL))).toEqual([])
    })

    test("no import cycles in the firmware and the simulator", () => {
        expect(cycles(importsOf(FIRMWARE_AND_SIM))).toEqual([])
    })

    test("no topic is spelled outside the topic tree's owner", () => {
        expect(topicLiterals(FIRMWARE_AND_SIM.filter((f) => f !== TOPIC_OWNER))).toEqual([])
    })

    test.each(['const t = root + "/status"', "publish(`${root}/cmd/ack`, p)", 'if (topic === prefix + "/clock")'])(
        "a topic literal is reported: %s",
        (line) => {
            expect(topicLiterals(["sim/x.ts"], () => "// a comment about /status is fine\n" + line)).toHaveLength(1)
        }
    )

    // the checks themselves, on made-up files: each rule can fail
    const fake = (files: Record<string, string>) =>
        importsOf(
            Object.keys(files),
            (f) => files[f],
            (f) => f in files
        )
    test.each([
        ["billing imports the stall protocol", { "src/core/billing/x.ts": 'import { a } from "../stall/controller"' }],
        ["core imports the platform", { "src/core/stall/x.ts": 'import * as ds from "@devicescript/core"' }],
        ["core imports node", { "src/core/trace/x.ts": 'import { readFileSync } from "node:fs"' }],
        ["codec imports billing", { "src/core/codec/x.ts": 'export { a } from "../billing/tariff"' }],
        [
            "a shell reaches past the public module",
            { "src/store/x.ts": 'import { a } from "../core/stall/controller"' },
        ],
        ["sim imports test", { "sim/x.ts": 'import { a } from "../test/helpers/devs"' }],
        ["the firmware imports sim", { "src/x.ts": 'const m = await import("../sim/cli")' }],
    ])("a forbidden import is reported: %s", (_what, files) => {
        expect(brokenRules(fake(files))).toHaveLength(1)
    })

    test("a cycle is reported", () => {
        const files = {
            "sim/a.ts": 'import { b } from "./b"',
            "sim/b.ts": 'import type { a } from "./a"',
        }
        expect(cycles(fake(files))).toEqual([["sim/a.ts", "sim/b.ts", "sim/a.ts"]])
    })
})
