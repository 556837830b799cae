// One DeviceScript VM process (`devicescript vm --tcp`) on the devtools bus.
// Its flash is <dir>/.devicescript/flash/sim.bin: each VM runs in its own dir, and a
// restart in the same dir boots the last deployed program with its settings.
import { randomBytes } from "node:crypto"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
    DEVICE_ANNOUNCE,
    DeviceScriptManagerCmd,
    DeviceScriptManagerReg,
    OutPipe,
    SRV_DEVICE_SCRIPT_MANAGER,
    SRV_SETTINGS,
    SettingsClient,
    type JDBus,
    type JDDevice,
} from "./jacdac"
import { connectBus } from "./bus"
import { DEVS_BIN, deadline, killChild, spawnTracked, type Child } from "./process"

export type Settings = Record<string, string | number | boolean>

export interface VmOptions {
    /** 16 hex digits; random by default */
    deviceId?: string
    /** working dir, i.e. whose flash; a fresh temp dir (removed by dispose()) by default */
    dir?: string
    clearFlash?: boolean
    /** sees every console line too, e.g. to echo it */
    onLine?: (line: string) => void
}

// DeviceScript settings limits: longer keys throw in the program, and a longer
// key+value makes the VM abort() when the program reads it back.
const MAX_KEY = 13
const MAX_ENTRY = 232

export class Vm {
    /** console lines of every run, "WASM> " removed */
    readonly lines: string[] = []
    private child!: Child
    private runStart = 0

    private constructor(
        readonly deviceId: string,
        readonly dir: string,
        private readonly ownsDir: boolean,
        private readonly onLine?: (line: string) => void
    ) {}

    /** Spawns the VM; the devtools hub must be up (the VM exits without it). */
    static async start(options: VmOptions = {}): Promise<Vm> {
        const deviceId = (options.deviceId ?? randomBytes(8).toString("hex")).toLowerCase()
        if (!/^[0-9a-f]{16}$/.test(deviceId)) throw new Error(`device id ${deviceId}: need 16 hex digits`)
        const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "devs-vm-")))
        const vm = new Vm(deviceId, dir, options.dir === undefined, options.onLine)
        vm.spawn(options.clearFlash ?? false)
        return vm
    }

    private spawn(clearFlash: boolean) {
        const args = ["--no-colors", "vm", "--tcp", "--device-id", this.deviceId]
        if (clearFlash) args.push("--clear-flash")
        this.runStart = this.lines.length
        this.child = spawnTracked(DEVS_BIN, args, { cwd: this.dir }, (raw) => {
            const line = raw.replace(/^WASM> /, "")
            this.lines.push(line)
            this.onLine?.(line)
        })
    }

    get pid(): number | undefined {
        return this.child.proc.pid
    }

    /** where the next line will go in `lines`: pass it as `since` to wait for news only */
    get lineCount(): number {
        return this.lines.length
    }

    /** exit code or signal of the current run, undefined while it runs */
    get exitCode(): number | string | undefined {
        const { exitCode, signalCode } = this.child.proc
        return exitCode ?? signalCode ?? undefined
    }

    /** resolves when the current run ends */
    get exited(): Promise<number | string> {
        return this.child.exited
    }

    /**
     * First line matching `re` from index `since` on (default: the start of the
     * current run, so a restart never matches the previous boot's lines).
     * Rejects on timeout or when the VM exits first, quoting the last lines.
     */
    async waitForLine(re: RegExp, timeoutMs: number, since = this.runStart): Promise<RegExpMatchArray> {
        const tail = () => `/${re.source}/ in the VM console; last lines:\n  ${this.lines.slice(-12).join("\n  ")}`
        const limit = deadline(timeoutMs, tail)
        let checked = since
        try {
            for (;;) {
                for (; checked < this.lines.length; checked++) {
                    const m = this.lines[checked].match(re)
                    if (m) return m
                }
                if (this.exitCode !== undefined) throw new Error(`VM exited (${this.exitCode}) before ${tail()}`)
                await Promise.race([limit.promise, this.child.exited, new Promise((r) => setTimeout(r, 20))])
            }
        } finally {
            limit.cancel()
        }
    }

    /** SIGKILL: a power cut. The broker sees the TCP connection drop. */
    kill(): Promise<void> {
        return killChild(this.child)
    }

    /** Kills the VM if it runs and boots it again from the same flash. */
    async restart(options: { clearFlash?: boolean } = {}): Promise<void> {
        await this.kill()
        this.spawn(options.clearFlash ?? false)
    }

    /** Kills the VM and removes its dir if start() made it. */
    async dispose(): Promise<void> {
        await this.kill()
        if (this.ownsDir) await rm(this.dir, { recursive: true, force: true })
    }

    /**
     * Writes the settings and the bytecode into the VM's flash and runs it.
     * Order matters: with autostart on, the program would start on the new
     * bytecode and read its settings before they arrive.
     */
    async deploy(bytecodePath: string, settings: Settings = {}, timeoutMs = 10_000): Promise<void> {
        const encoded = Object.entries(settings).map(([key, value]) => {
            const bytes = new TextEncoder().encode(JSON.stringify(value)) // what the CLI writes
            if (key.length > MAX_KEY) throw new Error(`setting ${key}: keys are at most ${MAX_KEY} chars`)
            if (key.length + 1 + bytes.length > MAX_ENTRY)
                throw new Error(`setting ${key}: key + value over ${MAX_ENTRY} bytes aborts the VM`)
            return [key, bytes] as const
        })
        const bytecode = new Uint8Array(await readFile(bytecodePath))
        const bus = await connectBus()
        try {
            const dev = await this.findDevice(bus, timeoutMs)
            const manager = dev.services({ serviceClass: SRV_DEVICE_SCRIPT_MANAGER })[0]
            const store = dev.services({ serviceClass: SRV_SETTINGS })[0]
            if (!manager || !store) throw new Error(`VM ${this.deviceId}: no DeviceScript manager or settings service`)
            const running = manager.register(DeviceScriptManagerReg.Running)
            const autostart = manager.register(DeviceScriptManagerReg.Autostart)
            await autostart.sendSetBoolAsync(false)
            await running.sendSetBoolAsync(false)
            const settingsClient = new SettingsClient(store)
            for (const [key, bytes] of encoded) await settingsClient.setValue(key, bytes)
            await OutPipe.sendBytes(manager, DeviceScriptManagerCmd.DeployBytecode, bytecode)
            await autostart.sendSetBoolAsync(true)
            await running.sendSetBoolAsync(true)
        } finally {
            await bus.dispose()
        }
    }

    private async findDevice(bus: JDBus, timeoutMs: number): Promise<JDDevice> {
        const known = bus.devices().find((d) => d.deviceId === this.deviceId)
        if (known) return known
        const limit = deadline(timeoutMs, () => `VM ${this.deviceId} to show up on the devtools bus`)
        let onAnnounce: (d: JDDevice) => void = () => {}
        const found = new Promise<JDDevice>((resolve) => {
            onAnnounce = (d) => d.deviceId === this.deviceId && resolve(d)
            bus.on(DEVICE_ANNOUNCE, onAnnounce)
        })
        const died = this.exited.then((c) => Promise.reject(new Error(`VM exited (${c}) before deploy`)))
        died.catch(() => {}) // it may exit long after the deploy: not an unhandled rejection
        try {
            return await Promise.race([found, limit.promise, died])
        } finally {
            limit.cancel()
            bus.off(DEVICE_ANNOUNCE, onAnnounce)
        }
    }
}
