// The command line of every `sim` command, derived from one table per command
// (CommandSpec): parseArgs' options, the --help text and the "valid options" of an
// error all come from it, so they cannot disagree. Conventions of GNU, git and npm:
// `--help` / `-h` prints the help on stdout and exits 0; a mistake prints
// one line `sim <command>: <what is wrong> (see 'sim <command> --help')` on stderr, exit 2.
//
//     export const RUN_COMMAND = defineCommand({ name: "run", summary, positionals, options, examples })
//     export const runCommand = (argv: string[], io = processIo()) =>
//         runCommandLine(RUN_COMMAND, argv, io, ({ values, positionals }) => ...exit code)

import { parseArgs } from "node:util"
import type { Writer } from "../report/progress"

/** A mistake in the command line: `sim <command>: <message>`, the --help hint, exit code 2. */
export class UsageError extends Error {}

/** A file the command line names cannot be used (unreadable, invalid): its one line alone, exit code 2. */
export class InputError extends Error {}

export interface OptionSpec {
    /** placeholder of the value in the help (`N`, `FILE.svg`); the option is a flag without one */
    value?: string
    /** what it does, one or two sentences; wrapped in the help */
    description: string
    /** what applies when the option is absent, as the help shows it */
    default?: string
    /** the command refuses to run without it (shown in the usage line) */
    required?: boolean
    /**
     * The value may be left out (`--web` alone gives true; the help shows `--web [PORT]`):
     * `--web=8080` always sets it, `--web 8080` only when the next argument matches this.
     */
    optionalValue?: RegExp
}

export interface CommandSpec {
    /** as typed after `sim` */
    name: string
    /** one line: the top of the command's help and its line in `sim --help` */
    summary: string
    /** positional arguments, in order; optional ones come last */
    positionals: readonly { name: string; description: string; optional?: boolean }[]
    /** by long name, without the dashes; `--help` / `-h` come with every command */
    options: Readonly<Record<string, OptionSpec>>
    /** paragraphs after the options, wrapped; a list of lines is shown as it is (a table of keys) */
    notes?: readonly (string | readonly string[])[]
    /** whole command lines, as a newcomer would type them */
    examples: readonly string[]
}

/** Values as typed: a string for an option with a `value` (or true when it is optional and left out), true for a flag; absent when not given. */
export type OptionValues<O extends CommandSpec["options"]> = {
    [K in keyof O]?: O[K] extends { optionalValue: RegExp }
        ? string | true
        : O[K] extends { value: string }
          ? string
          : boolean
}

export interface ParsedArgs<S extends CommandSpec> {
    values: OptionValues<S["options"]>
    positionals: string[]
}

export interface CommandIo {
    stdout: Writer
    stderr: Writer
}

export const processIo = (): CommandIo => ({ stdout: process.stdout, stderr: process.stderr })

/** Keeps the literal types of `spec` (which options take a value) for ParsedArgs. */
export function defineCommand<const S extends CommandSpec>(spec: S): S {
    return spec
}

/**
 * The whole life of one command line: help (stdout, 0), parsing, `main`, and the
 * UsageError / InputError that parsing or `main` throw (stderr, 2). Other errors propagate.
 */
export async function runCommandLine<S extends CommandSpec>(
    spec: S,
    argv: string[],
    io: CommandIo,
    main: (args: ParsedArgs<S>) => number | Promise<number>
): Promise<number> {
    try {
        if (wantsHelp(argv)) {
            io.stdout.write(helpText(spec))
            return 0
        }
        return await main(parseCommandLine(spec, argv))
    } catch (e) {
        if (e instanceof UsageError) io.stderr.write(`sim ${spec.name}: ${e.message} ${helpHint(spec.name)}\n`)
        else if (e instanceof InputError) io.stderr.write(`sim ${spec.name}: ${e.message}\n`)
        else throw e
        return 2
    }
}

/** `--help` or `-h` anywhere before a `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
    const end = argv.indexOf("--")
    return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h")
}

/** `(see 'sim run --help')`, or `(see 'sim --help')` without a command: on the error's own line, so an error stays one line */
export const helpHint = (command?: string) => `(see 'sim${command ? " " + command : ""} --help')`

/** Checks argv against the spec; throws a UsageError naming what is wrong. */
export function parseCommandLine<S extends CommandSpec>(spec: S, argv: string[]): ParsedArgs<S> {
    // an optional value is read by hand: parseArgs would take the next argument whatever it is
    const takesString = (o: OptionSpec) => o.value !== undefined && o.optionalValue === undefined
    const options = Object.fromEntries(
        Object.entries(spec.options).map(([name, o]) => [
            name,
            { type: takesString(o) ? "string" : "boolean" } as const,
        ])
    )
    // not strict: parseArgs' own errors are raw, and it refuses `--days -3` as "ambiguous"
    const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true })
    const values: Record<string, string | boolean> = {}
    const positionals: string[] = []
    for (let i = 0; i < tokens.length; i++) {
        const t = tokens[i]
        if (t.kind === "positional") positionals.push(t.value)
        if (t.kind !== "option") continue
        const o: OptionSpec | undefined = spec.options[t.name]
        if (!o || t.rawName.length === 2) throw new UsageError(unknownOption(t.rawName, Object.keys(spec.options)))
        if (o.optionalValue) {
            const next = tokens[i + 1]
            const separate = t.value === undefined && next?.kind === "positional" && next.index === t.index + 1
            if (separate && o.optionalValue.test(next.value)) {
                values[t.name] = next.value
                i++
            } else values[t.name] = t.value ?? true
            continue
        }
        if (!o.value && t.value !== undefined) throw new UsageError(`option '--${t.name}' takes no value`)
        // without "=", parseArgs takes the next argument even when it is the next option
        if (o.value && (t.value === undefined || (!t.inlineValue && t.value.startsWith("--"))))
            throw new UsageError(`option '--${t.name}' needs a value: --${t.name} ${o.value}`)
        values[t.name] = t.value ?? true
    }
    for (const [name, o] of Object.entries(spec.options))
        if (o.required && values[name] === undefined)
            throw new UsageError(`missing --${name} ${o.value}; usage: ${usageLine(spec)}`)
    const expected = spec.positionals
    const required = expected.filter((p) => !p.optional).length
    if (positionals.length < required)
        throw new UsageError(`missing ${expected[positionals.length].name}; usage: ${usageLine(spec)}`)
    if (positionals.length > expected.length)
        throw new UsageError(`unexpected argument '${positionals[expected.length]}'; usage: ${usageLine(spec)}`)
    return { values: values as OptionValues<S["options"]>, positionals }
}

function unknownOption(raw: string, names: string[]): string {
    const close = closest(raw.replace(/^-+/, ""), [...names, "help"])
    return close
        ? `Unknown option '${raw}'; did you mean '--${close}'?`
        : `Unknown option '${raw}'; valid options: ${[...names, "help"].map((n) => "--" + n).join(", ")}`
}

/** The candidate a typo most likely meant: a unique prefix, or the nearest within 1-2 edits. */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
    const prefixed = candidates.filter((c) => typed.length >= 2 && c.startsWith(typed))
    if (prefixed.length === 1) return prefixed[0]
    const limit = Math.min(2, Math.max(1, Math.floor(typed.length / 3)))
    let best: string | undefined
    let bestDistance = limit + 1
    for (const c of candidates) {
        const d = editDistance(typed, c)
        if (d < bestDistance) [best, bestDistance] = [c, d]
    }
    return best
}

/** Edits from a to b: insertions, deletions, substitutions and swaps of neighbours count one each. */
function editDistance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0))
    )
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++) {
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
                d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
        }
    return d[a.length][b.length]
}

/** `sim run SCENARIO.json [options]` */
export function usageLine(spec: CommandSpec): string {
    const required = Object.entries(spec.options)
        .filter(([, o]) => o.required)
        .map(([name, o]) => `--${name} ${o.value}`)
    const args = spec.positionals.map((p) => (p.optional ? `[${p.name}]` : p.name))
    return ["sim", spec.name, ...args, ...required, "[options]"].join(" ")
}

const HELP_WIDTH = 80
const INDENT = 2

/** Name column then description, the description wrapped under itself. */
function table(rows: [string, string][], column: number): string[] {
    return rows.flatMap(([name, text]) =>
        wrap(text, HELP_WIDTH - column).map((line, i) =>
            ((i === 0 ? " ".repeat(INDENT) + name : "").padEnd(column) + line).trimEnd()
        )
    )
}

function wrap(text: string, width: number): string[] {
    const lines: string[] = []
    let line = ""
    for (const word of text.split(/\s+/).filter(Boolean)) {
        if (line && line.length + 1 + word.length > width) {
            lines.push(line)
            line = word
        } else line = line ? `${line} ${word}` : word
    }
    return [...lines, line]
}

/** The text `sim <command> --help` prints. */
export function helpText(spec: CommandSpec): string {
    const options: [string, string][] = Object.entries(spec.options).map(([name, o]) => [
        `--${name}${o.value ? (o.optionalValue ? ` [${o.value}]` : " " + o.value) : ""}`,
        o.default === undefined ? o.description : `${o.description} (default: ${o.default})`,
    ])
    options.push(["-h, --help", "print this help and exit"])
    const args: [string, string][] = spec.positionals.map((p) => [p.name, p.description])
    const column = INDENT + Math.max(...[...args, ...options].map(([name]) => name.length)) + 2
    const sections = [
        [`sim ${spec.name}: ${spec.summary}`],
        [`usage: ${usageLine(spec)}`],
        ...(spec.positionals.length ? [["arguments:", ...table(args, column)]] : []),
        ["options:", ...table(options, column)],
        ...(spec.notes ?? []).map((n) => (typeof n === "string" ? wrap(n, HELP_WIDTH) : n)),
        ["examples:", ...spec.examples.map((e) => " ".repeat(INDENT) + e)],
    ]
    return sections.map((lines) => lines.join("\n")).join("\n\n") + "\n"
}

/** `--name` as a number from min to max (whole unless `fraction`); undefined when absent. */
export function numberArg(
    name: string,
    value: string | undefined,
    min: number,
    max: number,
    fraction = false
): number | undefined {
    if (value === undefined) return undefined
    const n = Number(value)
    const shape = fraction ? /^\d+(\.\d+)?$/ : /^\d+$/
    if (!shape.test(value) || n < min || n > max)
        throw new UsageError(
            `--${name} must be ${fraction ? "a number" : "an integer"} from ${min} to ${max}, got "${value}"`
        )
    return n
}
