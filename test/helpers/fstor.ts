// A Node model of DeviceScript's settings store (jacdac-c source/jd_fstor.c): every
// value is a 24-byte entry plus its bytes rounded up to 8, appended to a log of
// `capacity` bytes that compacts when full; an unchanged value is not written; a
// write that does not fit after compaction is dropped silently; a deleted key keeps
// a zero-size entry (32 bytes). For Node tests and the bench.
import type { SettingsKV } from "../../src/store/flash"

const ENTRY = 24
const align8 = (n: number) => (n === 0 ? 8 : (n + 7) & ~7)

export class FstorModel implements SettingsKV {
    /** the JSON text per key, as the store holds it ("" for a deleted key) */
    values = new Map<string, string>()
    /** bytes appended since the last compaction */
    private logBytes = 0
    flashWrites = 0
    flashBytes = 0
    dropped = 0
    compactions = 0

    /** 8 KB header region: 8192 less the 48 bytes jd_fstor keeps free */
    constructor(readonly capacity = 8192 - 48) {}

    /** Bytes the live keys take after a compaction. */
    liveBytes(): number {
        let n = 0
        for (const v of this.values.values()) n += ENTRY + align8(v.length)
        return n
    }

    async read(key: string): Promise<any> {
        const v = this.values.get(key)
        return v === undefined || v === "" ? undefined : JSON.parse(v)
    }

    async write(key: string, value: any): Promise<void> {
        this.put(key, JSON.stringify(value))
    }

    async pause(): Promise<void> {}

    async remove(key: string): Promise<void> {
        if (this.values.has(key)) this.put(key, "")
    }

    private put(key: string, text: string): void {
        if (this.values.get(key) === text) return
        const need = ENTRY + align8(Buffer.byteLength(text))
        if (this.logBytes + need > this.capacity) {
            this.compactions++
            this.logBytes = this.liveBytes()
            // the old copy stays live: a replacement that does not fit is dropped
            if (this.logBytes + need > this.capacity) {
                this.dropped++
                return
            }
        }
        this.values.set(key, text)
        this.logBytes += need
        this.flashWrites++
        this.flashBytes += need
    }
}
