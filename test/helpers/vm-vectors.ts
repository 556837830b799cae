import { readdirSync } from "node:fs"

/** The shared vectors' names (each has NAME.json and NAME.expected.jsonl). */
export function vectorNames(vectorDir: string): string[] {
    return readdirSync(vectorDir)
        .filter((f) => f.endsWith(".expected.jsonl"))
        .map((f) => f.slice(0, -".expected.jsonl".length))
        .sort()
}

/** Runs `each` over `items`, `parallel` at a time (a VM run is one process on one core). */
export async function inParallel<T>(items: T[], parallel: number, each: (item: T) => Promise<void>): Promise<void> {
    let next = 0
    const worker = async () => {
        while (next < items.length) await each(items[next++])
    }
    await Promise.all(Array.from({ length: parallel }, worker))
}
