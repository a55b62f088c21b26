/** Most starts in any window [t, t + window), over start times in any order. */
export const maxInWindow = (times: ReadonlyArray<number>, window: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= window) j++
    best = Math.max(best, i - j + 1)
  }
  return best
}
