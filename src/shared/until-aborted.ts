/**
 * Waiting on something that cannot itself be cancelled (a readiness wait, a remote command)
 * without waiting out the end of it once the run is aborted.
 * @module
 */

/**
 * The promise's outcome, or `onAbort()`'s (its value, or its throw) as soon as `signal` aborts.
 * The promise is left to settle by itself; its rejection is never unhandled.
 */
export function untilAborted<T, U>(
  promise: Promise<T>,
  signal: AbortSignal,
  onAbort: () => U
): Promise<T | U> {
  promise.catch(() => undefined)
  if (signal.aborted) {
    return Promise.resolve().then(onAbort)
  }
  return new Promise<T | U>((resolve, reject) => {
    const aborted = () => {
      try {
        resolve(onAbort())
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    }
    signal.addEventListener('abort', aborted, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', aborted)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', aborted)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    )
  })
}
