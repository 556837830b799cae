import { readFileSync } from "node:fs"

/**
 * A settings file as DeviceScript 2.16.4's compiler reads .env.defaults and .env.local
 * (parseToSettings in its CLI): a line containing `#` is dropped, KEY=VALUE, the value
 * JSON when it parses to something other than null, else the text; an empty value is no value.
 */
export function readEnvFile(path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const line of readFileSync(path, "utf8").split(/\r?\n/)) {
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
