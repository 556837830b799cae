// Keys from stdin, one character at a time: on a terminal in raw mode (no Enter
// needed; Ctrl-C arrives as a key, not as SIGINT), from a pipe the same characters,
// so a test or a script can type them.

/** process.stdin, or a stream standing in for it */
export interface KeyInput extends NodeJS.ReadableStream {
    isTTY?: boolean
    setRawMode?(raw: boolean): unknown
    unref?(): unknown
}

/** Calls `onKey` per character until it answers "stop" or the input ends; the terminal is restored after. */
export function readKeys(input: KeyInput, onKey: (key: string) => "stop" | void): Promise<void> {
    const raw = input.isTTY === true && typeof input.setRawMode === "function"
    return new Promise((resolve, reject) => {
        const done = (e?: Error) => {
            input.off("data", onData)
            input.off("end", onEnd)
            input.off("error", done)
            if (raw) input.setRawMode!(false)
            input.pause()
            input.unref?.() // a paused pipe still holds the process open (measured: until the writer closes it)
            if (e) reject(e)
            else resolve()
        }
        const onEnd = () => done()
        const onData = (chunk: string | Buffer) => {
            for (const key of String(chunk)) if (onKey(key) === "stop") return done()
        }
        if (raw) input.setRawMode!(true)
        input.setEncoding("utf8")
        input.on("data", onData)
        input.once("end", onEnd)
        input.once("error", done)
        input.resume()
    })
}
