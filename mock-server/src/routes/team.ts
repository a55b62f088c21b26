/**
 * `GET /api/team/credits`.
 */
import { Hono } from "hono"
import type { Engine } from "../Engine.js"
import type { LemlistEnv } from "../Http.js"

export const teamRoutes = (_engine: Engine) =>
  new Hono<LemlistEnv>({ strict: false }).get("/credits", (c) => {
    const credits = c.get("team").credits
    // Assumption (ours): the whole balance is "subscription" credits.
    return c.json({ credits, details: { remaining: { total: credits, freemium: 0, subscription: credits, gifted: 0, paid: 0 } } }, 200)
  })
