/**
 * A promise raced against an abort, for the two places the mock waits on code it cannot cancel
 * (its in-process `fetch`, a webhook's `post`): the answer, or a rejection with the abort's
 * reason if the abort comes first. The abort listener is removed once either settles.
 *
 * @internal
 */

/** Listens for the abort with `onAbort`; returns how to stop listening. */
export type OnAbort = (onAbort: () => void) => () => void

/** @internal */
export const unlessAborted = <A>(answer: Promise<A>, listen: OnAbort, reason: () => unknown): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const stop = listen(() => reject(reason()))
    answer.then(
      (value) => {
        stop()
        resolve(value)
      },
      (error) => {
        stop()
        reject(error)
      }
    )
  })
