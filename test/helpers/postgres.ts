// A throwaway PostgreSQL cluster for tests and the bench: initdb in a temporary
// directory, a server on a free loopback port with its socket in that directory, no
// system service. Debian's packages put the server in /usr/lib/postgresql/<v>/bin;
// initdb refuses to run as root, so as root the cluster runs as the `postgres` user
// the package creates.
import { execFileSync, spawn } from "node:child_process"
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir, userInfo } from "node:os"
import { join } from "node:path"
import { freePort, waitForPort } from "../../sim/live/ports"

export interface Postgres {
    /** postgres://postgres@127.0.0.1:PORT/postgres */
    url: string
    /** the server's process (as root, `runuser`, whose child is the postmaster) */
    pid: number
    stop(): Promise<void>
}

/** The server's bin directory, or null when PostgreSQL is not installed. */
export function postgresBin(): string | null {
    const root = "/usr/lib/postgresql"
    if (!existsSync(root)) return null
    const versions = readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    return versions.length ? join(root, versions[0], "bin") : null
}

export async function startPostgres(): Promise<Postgres> {
    const bin = postgresBin()
    if (!bin) throw new Error("PostgreSQL is not installed: apt-get install -y postgresql")
    const dir = mkdtempSync(join(tmpdir(), "pg-"))
    const data = join(dir, "data")
    const root = userInfo().uid === 0
    // as root: run as `postgres`, which must own the directory
    const as = (cmd: string, args: string[]) =>
        (root ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]) as [string, string[]]
    if (root) {
        const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim())
        const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim())
        chownSync(dir, uid, gid)
    }
    chmodSync(dir, 0o700)
    const [initCmd, initArgs] = as(join(bin, "initdb"), [
        "-D",
        data,
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--no-sync",
    ])
    execFileSync(initCmd, initArgs, { stdio: "pipe" })
    const port = await freePort()
    const [cmd, args] = as(join(bin, "postgres"), [
        "-D",
        data,
        "-p",
        String(port),
        "-k",
        dir,
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "fsync=off",
        "-c",
        "max_connections=200",
    ])
    const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] })
    const log: string[] = []
    proc.stdout.on("data", (d) => log.push(String(d)))
    proc.stderr.on("data", (d) => log.push(String(d)))
    const exited = new Promise<void>((r) => proc.once("exit", () => r()))
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`
    try {
        await waitForPort(port, 20_000, exited, () => log.join(""))
        await untilReady(url, 20_000)
    } catch (e) {
        proc.kill("SIGKILL")
        throw new Error(`postgres did not start: ${(e as Error).message}\n${log.join("")}`)
    }
    return {
        url,
        pid: proc.pid!,
        async stop() {
            // fast shutdown: SIGINT
            proc.kill("SIGINT")
            await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
            if (proc.exitCode === null) proc.kill("SIGKILL")
            rmSync(dir, { recursive: true, force: true })
        },
    }
}

/** Accepting is not ready: "the database system is starting up" until recovery ends. */
async function untilReady(url: string, timeoutMs: number): Promise<void> {
    const { default: pg } = await import("pg")
    const end = Date.now() + timeoutMs
    for (;;) {
        const c = new pg.Client({ connectionString: url })
        try {
            await c.connect()
            await c.query("SELECT 1")
            await c.end()
            return
        } catch (e) {
            await c.end().catch(() => undefined)
            if (Date.now() > end) throw e
            await new Promise((r) => setTimeout(r, 100))
        }
    }
}
