/**
 * How core reports a validation: a value, or why there is none. Nothing in core
 * throws on bad input, and nothing is half-applied when `error` is set.
 */
export type Result<T> = { error: null; value: T } | { error: string; value: null }

export function ok<T>(value: T): Result<T> {
    return { error: null, value }
}

export function fail<T>(error: string): Result<T> {
    return { error, value: null }
}

/** What an action that yields no value answers: null when done, else why it was refused. */
export type Refusal = string | null
