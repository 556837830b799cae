import { defineCommand, InputError, processIo, runCommandLine, type CommandIo } from "./args"
import { loadTrace, type Trace } from "../trace/load"
import { ignoredNote, outputLines, replayInNode } from "../trace/report"
import { replayInVm } from "../trace/vm-replay"

export const REPLAY_COMMAND = defineCommand({
    name: "replay",
    summary: "replay a stall-trace/1 trace through the billing core: one JSON object per line",
    positionals: [
        {
            name: "TRACE.json",
            description: "a stall-trace/1 file: test/vectors/*.json, or one written by sim run --trace-out",
        },
    ],
    options: {
        vm: {
            description:
                "compute inside the DeviceScript VM (devicescript run --test), in chunks of a few thousand rows; prints the same lines, at a few thousand rows a second",
        },
    },
    notes: [
        "stdout carries the replay contract only: each status change and session record as one JSON object per line. Rows the core rejects (they change nothing) and a trace tariff it refuses (the default tariff applies) are reported on stderr; the exit code stays 0.",
    ],
    examples: [
        "npm run --silent sim -- replay test/vectors/02-de-idle-over-grace.json",
        "npm run --silent sim -- replay --vm test/vectors/18-rejected-rows.json",
    ],
})

/** `sim replay [--vm] TRACE.json`: one JSON object per line on stdout, nothing else. */
export function replayCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
    return runCommandLine(REPLAY_COMMAND, argv, io, async ({ values, positionals }) => {
        let trace: Trace
        try {
            trace = loadTrace(positionals[0])
        } catch (e) {
            throw new InputError((e as Error).message)
        }
        const report = values.vm ? await replayInVm(trace) : replayInNode(trace)
        io.stdout.write(outputLines(report))
        io.stderr.write(ignoredNote(report, "sim replay"))
        return 0
    })
}
