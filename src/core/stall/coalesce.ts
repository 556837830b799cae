/**
 * Runs `work` one at a time; a call while it runs makes it run once more after,
 * so a burst of triggers (pilot changes, messages, timers) costs at most one
 * extra run and never two runs side by side.
 */
export function coalesced(work: () => Promise<void>): () => Promise<void> {
    let running = false
    let again = false
    return async () => {
        again = true
        if (running) return
        running = true
        try {
            while (again) {
                again = false
                await work()
            }
        } finally {
            running = false
        }
    }
}
