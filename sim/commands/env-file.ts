import { readFileSync } from "node:fs"

/**
 * A settings file's KEY=VALUE pairs as DeviceScript 2.16.4's CLI reads .env.defaults
 * and .env.local (parseToSettings): a line containing `#` is dropped, the value is
 * JSON when it parses to something other than null, else the text; an empty value is no value.
 */
export function parseEnv(text: string): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const line of text.split(/\r?\n/)) {
        const m = /^([^=]+)=(.*)$/.exec(line)
        if (line.includes("#") || !m) continue
        out[m[1]] = m[2].length ? (jsonOrNull(m[2]) ?? m[2]) : undefined
    }
    return out
}

function jsonOrNull(text: string): unknown {
    try {
        return JSON.parse(text)
    } catch {
        return null
    }
}

/** parseEnv of a file; throws an Error whose one-line message names the file and the problem. */
export function readEnvFile(path: string): Record<string, unknown> {
    try {
        return parseEnv(readFileSync(path, "utf8"))
    } catch (e) {
        throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`)
    }
}
