/**
 * The dashboard in a real browser: headless Debian Chromium (`packages/contract-tests/src/Browser.ts`)
 * against the mock served on a loopback port. It loads the page, runs a small enrichment and sees
 * the counts change, searches, toggles a fault in the page and sees its effect in the request log.
 * Screenshots go to `out/test-artifacts/`. Without Chromium these tests are skipped and say so,
 * except in CI, where that is an error.
 */
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { launch, unavailable } from "../../packages/contract-tests/src/Browser.js"
import { type ServedMock, serveMock } from "../src/index.js"
import { basic, verifyItem } from "./helpers.js"

const skip = unavailable()
if (skip !== undefined) console.warn(`[browser tests skipped] ${skip}`)

const artifacts = fileURLToPath(new URL("../../out/test-artifacts/", import.meta.url))

type Browser = Awaited<ReturnType<typeof launch>>
type Page = Awaited<ReturnType<Browser["newPage"]>>

describe.skipIf(skip !== undefined)("the dashboard in Chromium", () => {
  let browser: Browser
  let mock: ServedMock
  let page: Page
  const pageErrors: Array<string> = []

  const bulk = (items: Array<unknown>) =>
    fetch(`${mock.apiUrl}/v2/enrichments/bulk`, {
      method: "POST",
      headers: { authorization: basic("browser-key"), "content-type": "application/json" },
      body: JSON.stringify(items)
    })
  const shot = (name: string) => page.screenshot({ path: `${artifacts}mock-dashboard-${name}.png`, fullPage: true })
  /** Waits until the element's text is exactly `text` (the page updates from the live feed). */
  const waitText = (selector: string, text: string) =>
    page.waitForFunction(
      ([s, t]) => document.querySelector(s)?.textContent?.trim() === t,
      [selector, text] as const,
      { timeout: 20_000 }
    )

  /** Types a percentage into the page's 5xx knob, and waits until the mock has it. */
  const setServerErrorInPage = async (percent: number) => {
    await page.fill("[data-testid=fault-serverError]", String(percent))
    await page.locator("[data-testid=fault-serverError]").blur()
    // The page changed the mock through the admin API.
    await expect.poll(async () => ((await (await fetch(`${mock.url}/__mock/options`)).json()) as any).faults.serverError, { timeout: 5_000 })
      .toBe(percent / 100)
  }

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true })
    mock = await serveMock({ port: 0, apiKeys: ["browser-key", "second-key"], latency: { minMs: 300, maxMs: 900 }, seed: 7 })
    browser = await launch()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on("pageerror", (e) => pageErrors.push(e.message))
    page.on("console", (m) => {
      if (m.type() === "error") pageErrors.push(m.text())
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await mock?.close()
  })

  it("loads live, with empty states and one card per key (fingerprints, never keys)", async () => {
    await page.goto(`${mock.url}/__mock/ui`)
    await waitText("#conn", "live")
    expect(await page.locator("[data-testid=team]").count()).toBe(2)
    const cards = await page.locator("#teams").innerText()
    expect(cards).toContain("100,000")
    expect(cards).not.toContain("browser-key")
    expect(await page.locator("#enrichments tbody").innerText()).toContain("No enrichments yet")
    await shot("empty")
  }, 60_000)

  it("a small enrichment shows up, counts move from in progress to done, and search finds one", async () => {
    const res = await bulk(Array.from({ length: 12 }, (_, i) => verifyItem(`lead${i}@acme.example`, { row: i, campaign: "browser" })))
    expect(res.status).toBe(200)
    const ids = ((await res.json()) as Array<{ id: string }>).map((x) => x.id)

    await waitText("[data-testid=count-all]", "12")
    // The key's window counts the request; the team card shows it.
    expect(await page.locator("[data-testid=team]").first().innerText()).toMatch(/\b1 \/ 20\b/)
    await waitText("[data-testid=count-done]", "12")
    await waitText("[data-testid=count-in-progress]", "0")
    await waitText("[data-testid=count-credits-spent]", "12")
    expect(await page.locator("#enrichments tbody tr").count()).toBe(12)
    await shot("enrichments")

    await page.fill("#enr-q", ids[7])
    await page.waitForFunction(() => document.querySelectorAll("#enrichments tbody tr").length === 1)
    expect(await page.locator("#enrichments tbody tr").getAttribute("data-id")).toBe(ids[7])
    await page.fill("#enr-q", "\"row\":3")
    await page.waitForFunction(() => document.querySelector("#enrichments tbody tr")?.textContent?.includes("lead3@acme.example") === true)
    await page.fill("#enr-q", "no such lead")
    await waitText("#enrichments tbody .big", "No enrichment matches")
    await page.fill("#enr-q", "")
    await page.waitForFunction(() => document.querySelectorAll("#enrichments tbody tr").length === 12)
  }, 60_000)

  it("a 5xx fault set in the page fails the next bulk call, and the request log shows it", async () => {
    await setServerErrorInPage(100)

    const failed = await bulk([verifyItem("fault@acme.example")])
    expect([500, 502, 503]).toContain(failed.status)

    await page.click("[data-tab=requests]")
    await waitText("[data-testid=count-5xx]", "1")
    await page.selectOption("#req-class", "5xx")
    await page.waitForFunction(() => document.querySelectorAll("#requests tbody tr[data-status]").length === 1)
    const row = await page.locator("#requests tbody tr").first().innerText()
    expect(row).toContain("/api/v2/enrichments/bulk")
    expect(row).toContain("serverError")
    expect(row).toContain(String(failed.status))
    await shot("fault")

    // Off again from the page: the next call goes through.
    await setServerErrorInPage(0)
    expect((await bulk([verifyItem("after@acme.example")])).status).toBe(200)
    await page.selectOption("#req-class", "2xx")
    await page.waitForFunction(() => document.querySelectorAll("#requests tbody tr[data-status='200']").length === 2)
  }, 60_000)

  it("a one-shot fault queued from the page hits exactly one request", async () => {
    await page.selectOption("#inject-fault", "serverError:503")
    await page.selectOption("#inject-route", "credits")
    await page.click("#inject")
    await page.waitForFunction(() => document.querySelector("#injected")?.textContent?.includes("credits") === true)
    const credits = () => fetch(`${mock.apiUrl}/team/credits`, { headers: { authorization: basic("browser-key") } })
    expect((await credits()).status).toBe(503)
    expect((await credits()).status).toBe(200)
    await page.waitForFunction(() => document.querySelector("#injected")?.textContent === "")
  }, 60_000)

  it("the webhooks tab lists deliveries with attempts and latency", async () => {
    const received: Array<number> = []
    const { createServer } = await import("node:http")
    // A receiver that refuses the first attempt of each delivery: the mock retries it.
    const seen = new Set<string>()
    const receiver = createServer((req, res) => {
      let body = ""
      req.on("data", (c) => (body += c))
      req.on("end", () => {
        const id = JSON.parse(body).data[0].id
        res.statusCode = seen.has(id) ? 200 : 500
        seen.add(id)
        received.push(res.statusCode)
        res.end()
      })
    })
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()))
    try {
      await fetch(`${mock.url}/__mock/options`, { method: "PUT", body: JSON.stringify({ webhooks: { baseDelayMs: 100 } }) })
      const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`
      const res = await fetch(`${mock.apiUrl}/v2/enrichments/bulk?webhookUrl=${encodeURIComponent(hook)}`, {
        method: "POST",
        headers: { authorization: basic("browser-key"), "content-type": "application/json" },
        body: JSON.stringify([verifyItem("hook1@acme.example"), verifyItem("hook2@acme.example")])
      })
      expect(res.status).toBe(200)
      await page.click("[data-tab=webhooks]")
      await waitText("[data-testid=count-delivered]", "2")
      await waitText("[data-testid=count-failed]", "2")
      await waitText("[data-testid=count-retries]", "2")
      const table = await page.locator("#deliveries tbody").innerText()
      expect(table).toContain(hook)
      expect(table).toMatch(/\d+ ms/)
      await shot("webhooks")
      await page.check("#del-failed")
      await page.waitForFunction(() => document.querySelectorAll("#deliveries tbody tr").length === 2)
      expect(await page.locator("#deliveries tbody tr[data-ok=false]").count()).toBe(2)
      await page.uncheck("#del-failed")
    } finally {
      receiver.close()
    }
  }, 60_000)

  it("credits set in a key's card run out: the next enrichments end in error", async () => {
    const card = page.locator("[data-testid=team]").first()
    await card.locator("[data-action=edit-credits]").click()
    await card.locator("form input").fill("3")
    await card.locator("form input").press("Enter")
    await page.waitForFunction(() => document.querySelector("[data-testid=team] [data-field=credits]")?.textContent === "3")
    const stats = (await (await fetch(`${mock.url}/__mock/stats`)).json()) as Record<string, { credits: number; keyFingerprint: string }>
    expect(Object.values(stats).map((t) => t.credits).sort()).toEqual([100_000, 3])

    const before = Number(await page.locator("[data-testid=count-error]").innerText())
    await page.click("[data-tab=enrichments]")
    expect((await bulk(Array.from({ length: 5 }, (_, i) => verifyItem(`broke${i}@acme.example`)))).status).toBe(200)
    await waitText("[data-testid=count-error]", String(before + 2))
    await waitText("[data-testid=team] [data-field=credits]", "0")
    await page.selectOption("#enr-status", "error")
    await page.waitForFunction(() => document.querySelector("#enrichments tbody")?.textContent?.includes("INSUFFICIENT_CREDITS") === true)
    await shot("credits")
  }, 60_000)

  it("ran without a page error", () => {
    expect(pageErrors).toEqual([])
  })
})
