import type { CommandIo } from "../../../sim/commands/args"

/** A command's stdout and stderr as strings, for the command functions that take a CommandIo. */
export function captureIo(): { io: CommandIo; stdout: () => string; stderr: () => string } {
    let out = ""
    let err = ""
    return {
        io: {
            stdout: { isTTY: false, write: (s: string) => (out += s) },
            stderr: { isTTY: false, write: (s: string) => (err += s) },
        },
        stdout: () => out,
        stderr: () => err,
    }
}

/** A loopback port nobody listens on: the OS picks it for a listener closed at once. */
export { freePort as closedPort } from "../../../sim/live/ports"
