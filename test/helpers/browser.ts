// Debian's Chromium, headless, driven by playwright-core: no browser download, a fresh
// profile per launch, nothing that reaches the internet on its own.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { chromium, type BrowserContext, type Page } from "playwright-core"
import { ROOT } from "../../sim/live/process"

export const CHROMIUM = "/usr/bin/chromium"
/** screenshots the browser tests leave behind (git-ignored) */
export const ARTIFACTS = join(ROOT, ".sim", "artifacts")

const FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

export interface Browser {
    page: Page
    context: BrowserContext
    /** a PNG of the page, in ARTIFACTS; returns its path */
    screenshot(name: string): Promise<string>
    close(): Promise<void>
}

export async function openChromium(viewport = { width: 1280, height: 860 }): Promise<Browser> {
    if (!existsSync(CHROMIUM))
        throw new Error(`${CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium (.ci/run does)`)
    const profile = mkdtempSync(join(tmpdir(), "chromium-profile-"))
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
        viewport,
    })
    const page = context.pages()[0] ?? (await context.newPage())
    return {
        page,
        context,
        screenshot: async (name) => {
            mkdirSync(ARTIFACTS, { recursive: true })
            const path = join(ARTIFACTS, name)
            await page.screenshot({ path, fullPage: false })
            return path
        },
        close: async () => {
            await context.close()
            rmSync(profile, { recursive: true, force: true })
        },
    }
}
