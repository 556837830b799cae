import { readFileSync } from "node:fs"

/** A JSON file's content; throws an Error whose one-line message names the file and the problem. */
export function readJsonFile(path: string): unknown {
    let text: string
    try {
        text = readFileSync(path, "utf8")
    } catch (e) {
        throw new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`)
    }
    try {
        return JSON.parse(text)
    } catch (e) {
        throw new Error(`${path} is not valid JSON: ${(e as Error).message}`)
    }
}
