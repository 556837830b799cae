import { expect, test } from "vitest"
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import { ROOT } from "../../sim/live/process"

// `npm start` is `sim live` on the shipped time-lapse demo: the real firmware in the
// VM, sensors following the scenario, the embedded broker. It must exit 0 only when
// every message matched its schema and the record matched the replay.
test("npm start: the demo runs to a clean exit and its trace replays to the same record", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-"))
    const traceOut = join(dir, "trace.json")
    const dbFile = join(dir, "demo.db")
    // npm start's own arguments (package.json), a trace and the database in a directory of the test's
    const start = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.start as string
    expect(start).toBe("tsx sim/cli.ts live sim/scenarios/demo-timelapse.json --db sqlite:.sim/demo.db --web")
    const args = [
        "--import",
        "tsx",
        "sim/cli.ts",
        "live",
        "sim/scenarios/demo-timelapse.json",
        "--db",
        `sqlite:${dbFile}`,
        "--trace-out",
        traceOut,
    ]
    const started = Date.now()
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] })
        let out = ""
        child.stdout.on("data", (d) => (out += d))
        child.stderr.on("data", (d) => (out += d))
        child.on("close", (code) => resolve({ code, out }))
    })
    console.log(`demo: ${((Date.now() - started) / 1000).toFixed(1)} s wall`)
    expect(code, out).toBe(0)
    expect(out).toContain("every message valid")
    expect(out).toContain("1 of 1 expected; 1 equal to the replay of the tap")
    const printed = out.split("\n").find((l) => l.includes("session    DEMO-1A-1-1"))!
    const replayed = spawnSync(process.execPath, ["--import", "tsx", "sim/cli.ts", "replay", traceOut], {
        cwd: ROOT,
        encoding: "utf8",
    })
    const rec = replayed.stdout
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((o) => o.type === "session")
    expect(printed).toContain(`${(rec.energyWh / 1000).toFixed(3)} kWh`)
    expect(JSON.parse(readFileSync(traceOut, "utf8")).format).toBe("stall-trace/1")
    // the site backend stored the record (and acked it after the commit)
    expect(out).toContain(`database   sqlite:${dbFile}: 1 record(s) stored now, 1 in all`)
    const db = new Database(dbFile, { readonly: true })
    const rows = db.prepare("SELECT session_id, energy_wh, total_minor FROM sessions").all() as any[]
    db.close()
    expect(rows).toEqual([{ session_id: "DEMO-1A-1-1", energy_wh: rec.energyWh, total_minor: rec.cost.totalMinor }])
}, 240_000)
