/**
 * Bounded waits. Every wait in the supervisor has an upper bound, so a stuck process can slow a
 * teardown down but never hang it.
 * @module
 */

/** Waits for `promise` at most `ms`; true when it settled in time. Never rejects. */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), false)
  })
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true
      ),
      timeout,
    ])
  } finally {
    clearTimeout(timer)
  }
}
