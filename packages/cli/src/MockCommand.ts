/**
 * `lemlist-enrich mock`: serve the lemlist mock over HTTP, with the same options as `pnpm mock`.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import type * as CliIo from "./CliIo.js"

/**
 * The `mock` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = (_io: CliIo.Service) =>
  Command.make("mock", {}, () => Effect.void).pipe(
    Command.withDescription("Serve the lemlist mock over HTTP (same options as `pnpm mock`)")
  )
