/**
 * Headless Chromium for the browser tests (the mock dashboard, the run report): Debian's
 * `chromium` driven by `playwright-core`, never a downloaded browser build.
 *
 * On a developer machine without Chromium the tests that need it are skipped, and say so; in
 * CI (`CI` set) a missing browser is an error, so CI never skips them (`.ci/run` installs it).
 *
 * @since 0.1.0
 */
import { existsSync } from "node:fs"
import type { Browser } from "playwright-core"

/**
 * Where the browser is: `LEMLIST_TEST_CHROMIUM`, else Debian's `/usr/bin/chromium`.
 *
 * @since 0.1.0
 */
export const chromiumPath: string = process.env.LEMLIST_TEST_CHROMIUM ?? "/usr/bin/chromium"

/**
 * Why the browser tests cannot run here, or `undefined` when they can. In CI a missing
 * browser throws instead: a skipped browser test there would hide a failure.
 *
 * @example
 * ```ts
 * import { describe, it } from "vitest"
 * import { unavailable } from "@lemlist-effect/contract-tests/Browser"
 *
 * const skip = unavailable()
 * if (skip) console.warn(`[browser tests skipped] ${skip}`)
 * describe.skipIf(skip !== undefined)("the dashboard", () => {
 *   it("loads", async () => {})
 * })
 * ```
 *
 * @since 0.1.0
 */
export const unavailable = (): string | undefined => {
  if (existsSync(chromiumPath)) return undefined
  const reason = `no Chromium at ${chromiumPath} (apt-get install -y chromium, or set LEMLIST_TEST_CHROMIUM)`
  if (process.env.CI) throw new Error(`browser tests cannot be skipped in CI: ${reason}`)
  return reason
}

/**
 * Launches headless Chromium with the flags this machine needs (no sandbox as root, no
 * background networking: the network is closed). Close it when done.
 *
 * @example
 * ```ts
 * import { launch } from "@lemlist-effect/contract-tests/Browser"
 *
 * const browser = await launch()
 * const page = await browser.newPage()
 * await page.goto("http://127.0.0.1:4010/__mock/ui")
 * await browser.close()
 * ```
 *
 * @since 0.1.0
 */
export const launch = async (): Promise<Browser> => {
  const { chromium } = await import("playwright-core")
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run"
    ]
  })
}
