import { parseArgs, type ParseArgsConfig } from "node:util"

/** A mistake in the command line: one line on stderr, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>

/** node's parseArgs, its errors as one-line UsageErrors (its own go on with hints). */
export function parseCommandArgs<O extends Options>(argv: string[], options: O) {
    try {
        return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
    } catch (e) {
        throw new UsageError((e as Error).message.split("\n")[0])
    }
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
