// Child processes of the live harness (devtools, VMs, mosquitto, builds): spawned
// in one place so every one of them is killed when this Node process exits, even
// when a test forgets stop() or throws half-way through a start.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

export const ROOT = join(import.meta.dirname, "..", "..")
export const DEVS_BIN = join(ROOT, "node_modules", ".bin", "devicescript")

const live = new Set<ChildProcess>()

function killAll() {
    for (const child of live) child.kill("SIGKILL")
}

process.once("exit", killAll)
// A signal skips the "exit" event; with no other listener Node would just die and
// leave the VMs and the broker running. Only take over when nobody else did.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
        killAll()
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
    })
}

export interface Child {
    readonly proc: ChildProcess
    /** resolves with the exit code (or the signal name) once the process is gone */
    readonly exited: Promise<number | string>
}

/** Spawns a tracked child; `onLine` gets each stdout/stderr line as it arrives. */
export function spawnTracked(
    cmd: string,
    args: string[],
    options: SpawnOptions,
    onLine: (line: string) => void
): Child {
    const proc = spawn(cmd, args, { ...options, stdio: ["ignore", "pipe", "pipe"] })
    live.add(proc)
    for (const stream of [proc.stdout!, proc.stderr!]) {
        let rest = ""
        stream.setEncoding("utf8")
        stream.on("data", (chunk: string) => {
            const parts = (rest + chunk).split("\n")
            rest = parts.pop()!
            for (const p of parts) onLine(p.replace(/\r$/, ""))
        })
        stream.on("end", () => rest && onLine(rest))
    }
    const exited = new Promise<number | string>((resolve) => {
        proc.once("error", (e) => {
            onLine(`spawn ${cmd}: ${e.message}`)
            live.delete(proc)
            resolve("error")
        })
        proc.once("exit", (code, signal) => {
            live.delete(proc)
            resolve(code ?? signal ?? "unknown")
        })
    })
    return { proc, exited }
}

/** SIGKILL (a power cut, nothing flushed) and wait until the process is gone. */
export async function killChild(child: Child): Promise<void> {
    if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill("SIGKILL")
    await child.exited
}

/**
 * Polls `ok` every `everyMs` until it holds. `gone` settles when the process it waits on died,
 * so a crash fails at once with `exited()` instead of waiting out the timeout (`timedOut()`).
 */
export async function pollUntil(
    ok: () => Promise<boolean>,
    timeoutMs: number,
    gone: Promise<unknown>,
    exited: () => string,
    timedOut: () => string,
    everyMs = 50
): Promise<void> {
    let dead = false
    void gone.then(() => (dead = true))
    const end = Date.now() + timeoutMs
    while (!(await ok())) {
        if (dead) throw new Error(exited())
        if (Date.now() > end) throw new Error(timedOut())
        await new Promise((r) => setTimeout(r, everyMs))
    }
}

/** Rejects after `ms` with `what` in the message; `cancel` also clears it. */
export function deadline(ms: number, what: () => string): { promise: Promise<never>; cancel: () => void } {
    let timer: NodeJS.Timeout | undefined
    const promise = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what()}`)), ms)
    })
    promise.catch(() => {})
    return { promise, cancel: () => clearTimeout(timer) }
}

/** Peak resident memory of a running process (VmHWM, kB), null when it is gone or not Linux. */
export function peakRssKb(pid: number): number | null {
    try {
        const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(join("/proc", String(pid), "status"), "utf8"))
        return m ? Number(m[1]) : null
    } catch {
        return null
    }
}

/** CPU time (user + system, s) a running process has used, null when it is gone or not Linux. */
export function cpuSeconds(pid: number): number | null {
    const f = statFields(String(pid))
    // utime and stime, in clock ticks of 1/100 s (USER_HZ on Linux)
    return f ? (Number(f[11]) + Number(f[12])) / 100 : null
}

/** `f` summed over a process and all its descendants (a database server's workers). */
export function treeSum(pid: number, f: (pid: number) => number | null): number | null {
    const children = new Map<number, number[]>()
    let entries: string[]
    try {
        entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e))
    } catch {
        return null
    }
    for (const e of entries) {
        const ppid = Number(statFields(e)?.[1])
        if (Number.isInteger(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(e)])
    }
    let total: number | null = null
    const todo = [pid]
    while (todo.length) {
        const p = todo.pop()!
        const x = f(p)
        if (x !== null) total = (total ?? 0) + x
        todo.push(...(children.get(p) ?? []))
    }
    return total
}

/** The fields of /proc/PID/stat after "pid (comm)": state, ppid, …; null when it is gone. */
function statFields(pid: string): string[] | null {
    try {
        // comm may hold spaces and parentheses: the fields start after the last ")"
        const stat = readFileSync(join("/proc", pid, "stat"), "utf8")
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    } catch {
        return null
    }
}
