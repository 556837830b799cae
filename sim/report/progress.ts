// A progress bar for long runs. On a terminal it redraws one line (at most every
// 100 ms, so it never slows the run); into a pipe or a log it writes a line every
// 10 % instead of control characters.

export interface Writer {
    write(s: string): unknown
    isTTY?: boolean
}

export interface Progress {
    update(done: number): void
    finish(): void
}

const BAR_WIDTH = 30
const REDRAW_MS = 100
const LOG_STEP_PCT = 10

export function createProgress(
    total: number,
    label: string,
    out: Writer,
    now: () => number = () => performance.now()
): Progress {
    const startMs = now()
    let lastDrawMs = -Infinity
    let loggedPct = 0
    const rate = (done: number) => {
        const s = (now() - startMs) / 1000
        return s > 0 ? `${(done / s / 1e6).toFixed(2)} M/s` : ""
    }
    return {
        update(done: number) {
            const pct = Math.min(100, (done / total) * 100)
            if (out.isTTY) {
                const t = now()
                if (t - lastDrawMs < REDRAW_MS) return
                lastDrawMs = t
                const filled = Math.round((pct / 100) * BAR_WIDTH)
                out.write(
                    `\r${label} [${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${pct.toFixed(0).padStart(3)}% ${rate(done)}  `
                )
            } else if (pct >= loggedPct + LOG_STEP_PCT) {
                loggedPct = Math.floor(pct / LOG_STEP_PCT) * LOG_STEP_PCT
                out.write(`${label}: ${loggedPct}% ${rate(done)}\n`)
            }
        },
        finish() {
            if (out.isTTY) out.write("\r\x1b[K")
        },
    }
}
