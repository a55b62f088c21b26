/**
 * better-sqlite3 loads its native module at the first `new Database()`, so a missing build (its
 * install script skipped: npm 11.19 warns of scripts no `allowScripts` entry covers, and its
 * docs call them blocked by default) or one built for another Node (`NODE_MODULE_VERSION`
 * differs) throws there, a defect inside `SqliteClient`. This names that failure and its fix
 * instead of passing Node's text on.
 *
 * @internal
 */

/** The error to report for `defect` when it is better-sqlite3 failing to load its native module. @internal */
export const nativeModuleProblem = (defect: unknown): Error | undefined => {
  const message = defect instanceof Error ? defect.message : String(defect)
  const code = (defect as { readonly code?: unknown } | null)?.code
  if (code !== "ERR_DLOPEN_FAILED" && !message.includes("Could not locate the bindings file")) return undefined
  const what = message.includes("NODE_MODULE_VERSION")
    ? "it was built for another version of Node"
    : message.includes("Could not locate the bindings file")
    ? "it was never built (its install script did not run)"
    : message.split("\n")[0]
  return new Error(
    `better-sqlite3, the SQLite driver, cannot load its native module in Node ${process.version}: ${what}. ` +
      "Build it for this Node with `npm rebuild better-sqlite3` " +
      "(if npm skipped its install script, allow it first: `npm install-scripts approve better-sqlite3`)",
    { cause: defect }
  )
}
