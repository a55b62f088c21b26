/**
 * Team webhooks: `GET|POST /api/hooks`, `DELETE /api/hooks/{id}`.
 */
import { Messages, Team as TeamContract } from "@lemlist-effect/contract"
import { Hono } from "hono"
import type { Engine } from "../Engine.js"
import { cappedBody, type LemlistEnv, parseJson } from "../Http.js"
import { makeId } from "../Random.js"
import type { TeamHook } from "../State.js"
import { isWebhookUrl } from "../Webhooks.js"

/** A hook as lemlist shows it: never its secret. */
const view = (h: TeamHook) => ({
  _id: h._id,
  targetUrl: h.targetUrl,
  createdAt: h.createdAt,
  ...(h.type === undefined ? {} : { type: h.type })
})

export const hooksRoutes = (engine: Engine) =>
  new Hono<LemlistEnv>({ strict: false })
    .get("/", (c) => c.json([...c.get("team").hooks.values()].map(view), 200))
    .post("/", cappedBody(() => engine.options.maxBodyBytes), async (c) => {
      const team = c.get("team")
      const json = parseJson(await c.req.text(), c.req.header("content-type")) as Record<string, unknown> | undefined
      const targetUrl = json && typeof json === "object" ? json.targetUrl : undefined
      const type = json && typeof json === "object" ? json.type : undefined
      const secret = json && typeof json === "object" ? json.secret : undefined
      // Assumption (ours): a malformed hook gets lemlist's generic "Bad request".
      if (
        typeof targetUrl !== "string" || !isWebhookUrl(targetUrl) ||
        (type !== undefined && typeof type !== "string") || (secret !== undefined && typeof secret !== "string")
      ) return c.text(Messages.badRequest, 400)
      // Newest docs: 409 for a duplicate targetUrl or past 200 hooks (body undocumented: ours).
      for (const h of team.hooks.values()) if (h.targetUrl === targetUrl) return c.text(Messages.hookAlreadyExists, 409)
      if (team.hooks.size >= TeamContract.maxHooksPerTeam) return c.text(Messages.tooManyHooks, 409)
      const hook: TeamHook = {
        _id: makeId("hoo", engine.hookRng()),
        targetUrl,
        createdAt: new Date(c.get("now")).toISOString(),
        type: type as string | undefined,
        secret: secret as string | undefined
      }
      team.hooks.set(hook._id, hook)
      return c.json(view(hook), 200)
    })
    .delete("/:id", (c) => {
      const team = c.get("team")
      const id = c.req.param("id")
      const hook = team.hooks.get(id)
      if (hook) {
        team.hooks.delete(id)
        return c.json(view(hook), 200)
      }
      for (const other of engine.teamsById.values()) if (other.hooks.has(id)) return c.text(Messages.badTeam, 400)
      return c.text(Messages.webhookNotFound, 404)
    })
