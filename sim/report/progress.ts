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

export interface ProgressOptions {
    /** what `done` counts, for the rate: "samples" gives "12.3 k samples/s" */
    unit?: string
    /** milliseconds, for tests */
    now?: () => number
}

export function createProgress(total: number, label: string, out: Writer, options: ProgressOptions = {}): Progress {
    const now = options.now ?? (() => performance.now())
    const startMs = now()
    let lastDrawMs = -Infinity
    let loggedPct = 0
    const rate = (done: number) => {
        const s = (now() - startMs) / 1000
        return s > 0 ? formatRate(done / s, options.unit) : ""
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

/** Three significant digits with k or M: "640 samples/s", "12.3 k samples/s", "1.92 M/s". */
export function formatRate(perSecond: number, unit = ""): string {
    const [scaled, prefix] =
        perSecond >= 1e6 ? [perSecond / 1e6, "M"] : perSecond >= 1e3 ? [perSecond / 1e3, "k"] : [perSecond, ""]
    const number = scaled.toFixed(scaled >= 100 ? 0 : scaled >= 10 ? 1 : 2)
    const suffix = [prefix, unit].filter(Boolean).join(" ")
    return `${number}${suffix ? " " + suffix : ""}/s`
}
