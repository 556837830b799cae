// npm test's live stage: each live test file (vitest project "live") in a vitest process of
// its own, inside a private network namespace with its own loopback, so the devtools hub's
// fixed ports 8081-8083 are that file's alone: the files run side by side, and beside a
// devtools someone else runs on the host (VS Code's DeviceScript extension, a second run).
// Everything a file starts (devtools, VMs, mosquitto, jacdac-ts and mqtt clients) inherits
// the namespace. Without namespaces (not root and no user namespaces, no `ip`) it falls back
// to one `vitest run --project live` on the host's ports, files one after another.
//
//   tsx test/run-live.ts [FILTER...]   FILTER as for vitest (part of a file's path)
//   LIVE_JOBS=N                        files at once (default: one more than the cores, see jobsFor)
//   LIVE_NETNS=0                       the host's ports, serial, as without namespaces
import { spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { availableParallelism, tmpdir } from "node:os"
import { join, relative } from "node:path"

const ROOT = join(import.meta.dirname, "..")
const VITEST = join(ROOT, "node_modules", ".bin", "vitest")
/** last wall time per file, to start the longest first */
const TIMES_FILE = join(ROOT, "node_modules", ".cache", "run-live-times.json")

/** A way into a fresh network namespace: argv that runs `cmd...` there with lo up. */
type Netns = (cmd: string[]) => string[]

// /usr/sbin is not on every user's PATH
const LO_UP = 'PATH="$PATH:/usr/sbin:/sbin" ip link set lo up'

/**
 * Root: `unshare -n`. Otherwise a user namespace as root (`-r`) to bring lo up, then a nested
 * one mapping back to the caller's uid: as "root" mosquitto would try to drop to its own user,
 * which a user namespace with one uid mapped refuses.
 */
function probeNetns(): { netns: Netns } | { why: string } {
    if (process.env.LIVE_NETNS === "0") return { why: "LIVE_NETNS=0" }
    const uid = process.getuid?.() ?? -1
    const gid = process.getgid?.() ?? -1
    const ways: Netns[] =
        uid === 0
            ? [(cmd) => ["unshare", "-n", "--", "sh", "-c", `${LO_UP} && exec "$0" "$@"`, ...cmd]]
            : [
                  (cmd) => [
                      "unshare",
                      "-rn",
                      "--",
                      "sh",
                      "-c",
                      `${LO_UP} && exec unshare --user --map-user=${uid} --map-group=${gid} -- "$0" "$@"`,
                      ...cmd,
                  ],
              ]
    const errors: string[] = []
    for (const way of ways) {
        const [cmd, ...args] = way(["sh", "-c", "exit 0"])
        const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 })
        if (r.status === 0) return { netns: way }
        errors.push((r.error?.message ?? r.stderr ?? "").trim() || `exit ${r.status}`)
    }
    return { why: errors.join("; ") }
}

/**
 * Files at once: one more than the cores. Most of a live file's time is the firmware's own
 * timers and the scenario's steps, not CPU: measured on 2 cores, the 27 tests (13 files) take
 * 384 s two at a time and 268 s three at a time, all green.
 */
function jobsFor(cores: number): number {
    const asked = Number(process.env.LIVE_JOBS)
    if (Number.isInteger(asked) && asked > 0) return asked
    return Math.max(1, cores) + 1
}

function liveFiles(filters: string[]): string[] {
    // not --json: vitest 4.1 prints nothing with it once a filter is given
    const r = spawnSync(VITEST, ["list", "--filesOnly", "--project", "live", ...filters], {
        cwd: ROOT,
        encoding: "utf8",
    })
    if (r.status !== 0) throw new Error(`vitest list failed:\n${r.stdout}${r.stderr}`)
    return [...r.stdout.matchAll(/^\[live\] (.+)$/gm)].map((m) => m[1].trim())
}

function readTimes(): Record<string, number> {
    try {
        return JSON.parse(readFileSync(TIMES_FILE, "utf8"))
    } catch {
        return {}
    }
}

interface Counts {
    passed: number
    failed: number
    skipped: number
}

/** vitest's json report: test counts (all zero when the file did not even load) */
function countsOf(reportPath: string): Counts {
    try {
        const r = JSON.parse(readFileSync(reportPath, "utf8"))
        return {
            passed: r.numPassedTests,
            failed: r.numFailedTests,
            skipped: r.numPendingTests + r.numTodoTests,
        }
    } catch {
        return { passed: 0, failed: 0, skipped: 0 }
    }
}

interface FileResult extends Counts {
    file: string
    code: number | string
    wallMs: number
}

const running = new Set<number>()
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.once(sig, () => {
        // each child leads its own process group: its workers, VMs and brokers go with it
        for (const pid of running) {
            try {
                process.kill(-pid, "SIGTERM")
            } catch {
                // gone already
            }
        }
        process.exit(130)
    })

function runFile(file: string, netns: Netns, reportDir: string, tag: string): Promise<FileResult> {
    const report = join(reportDir, `${tag.replace(/\//g, "-")}.json`)
    const vitest = [VITEST, "run", "--project", "live", "--reporter=default", "--reporter=json"]
    vitest.push(`--outputFile.json=${report}`, file)
    const [cmd, ...args] = netns(vitest)
    const started = Date.now()
    const child = spawn(cmd, args, {
        cwd: ROOT,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, STALL_LIVE_NETNS: "1" },
    })
    running.add(child.pid!)
    for (const stream of [child.stdout!, child.stderr!]) {
        let rest = ""
        stream.setEncoding("utf8")
        const out = stream === child.stdout ? process.stdout : process.stderr
        stream.on("data", (chunk: string) => {
            const lines = (rest + chunk).split("\n")
            rest = lines.pop()!
            for (const l of lines) out.write(`[${tag}] ${l}\n`)
        })
        stream.on("end", () => rest && out.write(`[${tag}] ${rest}\n`))
    }
    return new Promise((resolve) => {
        child.once("error", (e) => {
            running.delete(child.pid!)
            process.stderr.write(`[${tag}] ${cmd}: ${e.message}\n`)
            resolve({ file, code: "error", wallMs: Date.now() - started, passed: 0, failed: 0, skipped: 0 })
        })
        child.once("close", (code, signal) => {
            running.delete(child.pid!)
            resolve({ file, code: code ?? signal ?? "?", wallMs: Date.now() - started, ...countsOf(report) })
        })
    })
}

async function inNamespaces(files: string[], netns: Netns, jobs: number): Promise<FileResult[]> {
    const times = readTimes()
    const size = (f: string) => statSync(join(ROOT, f)).size
    // longest first (last run's wall time, else the file's size): the last to start is short
    const queue = [...files].sort((a, b) => (times[b] ?? size(b)) - (times[a] ?? size(a)) || a.localeCompare(b))
    const reportDir = mkdtempSync(join(tmpdir(), "run-live-"))
    const results: FileResult[] = []
    try {
        const worker = async () => {
            for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
                const tag = f.replace(/^test\//, "").replace(/\.test\.ts$/, "")
                const r = await runFile(f, netns, reportDir, tag)
                const verdict = r.code === 0 ? "ok" : `FAILED (exit ${r.code})`
                console.log(`live: ${tag} ${verdict} in ${(r.wallMs / 1000).toFixed(1)} s`)
                results.push(r)
            }
        }
        await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker))
    } finally {
        rmSync(reportDir, { recursive: true, force: true })
    }
    mkdirSync(join(TIMES_FILE, ".."), { recursive: true })
    writeFileSync(
        TIMES_FILE,
        JSON.stringify({ ...times, ...Object.fromEntries(results.map((r) => [r.file, r.wallMs])) })
    )
    return results
}

function onHost(files: string[], why: string): Promise<FileResult> {
    console.log(
        `live: no private network namespace (${why}); running the ${files.length} live files one after ` +
            `another on this machine's ports 8081-8083. They fail while anything else holds them ` +
            `(VS Code's DeviceScript extension, another run): as root, or with user namespaces ` +
            `allowed and iproute2 installed, each file gets ports of its own.`
    )
    const dir = mkdtempSync(join(tmpdir(), "run-live-"))
    const report = join(dir, "host.json")
    const started = Date.now()
    const args = ["run", "--project", "live", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`]
    const child = spawn(VITEST, [...args, ...files], { cwd: ROOT, stdio: "inherit" })
    running.add(child.pid!)
    return new Promise((resolve) => {
        child.once("close", (code, signal) => {
            running.delete(child.pid!)
            const counts = countsOf(report)
            rmSync(dir, { recursive: true, force: true })
            resolve({ file: "all", code: code ?? signal ?? "?", wallMs: Date.now() - started, ...counts })
        })
    })
}

async function main() {
    const started = Date.now()
    const files = liveFiles(process.argv.slice(2))
    if (files.length === 0) throw new Error("no live test file matched")
    const probe = probeNetns()
    let results: FileResult[]
    if ("netns" in probe) {
        const jobs = jobsFor(availableParallelism())
        console.log(`live: ${files.length} files, each in its own network namespace, ${jobs} at a time`)
        results = await inNamespaces(files, probe.netns, jobs)
    } else results = [await onHost(files, probe.why)]

    const sum = (k: keyof Counts) => results.reduce((n, r) => n + r[k], 0)
    const failedFiles = results.filter((r) => r.code !== 0)
    const wall = ((Date.now() - started) / 1000).toFixed(1)
    if (failedFiles.length) console.log(`live: failed: ${failedFiles.map((r) => r.file).join(", ")}`)
    console.log(`live wall time ${wall} s`)
    // a file that crashed before its report counts as one failure at least
    const failed = Math.max(sum("failed"), failedFiles.length)
    console.log(
        `live: ${sum("passed")} passed, ${failed} failed` + (sum("skipped") ? `, ${sum("skipped")} skipped` : "")
    )
    process.exitCode = failedFiles.length ? 1 : 0
}

await main()
