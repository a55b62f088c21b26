#!/usr/bin/env node
/**
 * The `lemlist-enrich` executable. Ctrl-C interrupts the run cleanly (what is done stays in
 * the journal); a second Ctrl-C exits at once. Installed, it is compiled to `dist/bin.js` and run
 * by plain `node`; in this workspace `pnpm lemlist-enrich` runs the source with tsx.
 *
 * @since 0.1.0
 */
import * as Cli from "./Cli.js"

process.exitCode = await Cli.runProcess()
