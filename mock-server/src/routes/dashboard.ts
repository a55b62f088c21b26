/**
 * The dashboard under `/__mock`: the page (`/ui`), its live feed (`/events`, server-sent events
 * pushed when the mock's state changes, at most every `throttleMs`) and the same summary as
 * JSON (`/snapshot`).
 */
import { Hono } from "hono"
import { streamSSE } from "hono/streaming"
import type { Engine } from "../Engine.js"
import { dashboardPage } from "../internal/dashboardPage.js"
import { snapshot } from "../internal/snapshot.js"

/** Records sent with a snapshot, and at most per push (the page keeps about as many). */
const recentRequests = 500
const recentDeliveries = 300

export const dashboardRoutes = (engine: Engine, options: { readonly throttleMs?: number } = {}) => {
  const throttleMs = options.throttleMs ?? 250
  return new Hono({ strict: false })
    .get("/ui", (c) => c.html(dashboardPage(c.req.path.replace(/\/ui\/?$/, ""))))
    .get("/snapshot", (c) => c.json(snapshot(engine)))
    .get("/events", (c) =>
      streamSSE(c, async (stream) => {
        let requestsSeq = 0
        let deliveriesSeq = 0
        let epoch = -1
        const payload = () => {
          const summary = snapshot(engine)
          const fresh = summary.epoch !== epoch
          if (fresh) {
            epoch = summary.epoch
            requestsSeq = 0
            deliveriesSeq = 0
          }
          const out = {
            summary,
            requests: engine.requests.since(requestsSeq, recentRequests),
            deliveries: engine.deliveries.since(deliveriesSeq, recentDeliveries)
          }
          requestsSeq = summary.requests.seq
          deliveriesSeq = summary.deliveries.seq
          return { event: fresh ? "snapshot" : "update", data: JSON.stringify(out) }
        }
        // Real (not mock-clock) timers, `unref`ed and cleared when the stream ends: pacing the
        // feed is about a person's screen, and must keep neither a process nor a test's
        // virtual clock alive.
        await new Promise<void>((done) => {
          let timer: ReturnType<typeof setTimeout> | undefined
          let writing = false
          let finished = false
          const finish = () => {
            if (finished) return
            finished = true
            if (timer !== undefined) clearTimeout(timer)
            clearInterval(ping)
            unsubscribe()
            done()
          }
          const push = async () => {
            timer = undefined
            if (finished) return
            if (writing) return schedule()
            writing = true
            await stream.writeSSE(payload())
            writing = false
          }
          const schedule = () => {
            if (timer !== undefined || finished) return
            timer = setTimeout(push, throttleMs)
            timer.unref?.()
          }
          const unsubscribe = engine.onChange((change) => (change === "closed" ? finish() : schedule()))
          const ping = setInterval(() => void stream.write(": ping\n\n"), 15_000)
          ping.unref?.()
          stream.onAbort(finish)
          // A closed mock changes no more: one snapshot, then the end.
          void push().then(() => engine.closed && finish())
        })
      }))
}
