/**
 * A signal that aborts after `ms` with a `TimeoutError`, like `AbortSignal.timeout`, but held by
 * its own timer. On Node 20 a timeout signal passed to `AbortSignal.any` and referenced by
 * nothing else can be garbage-collected before it fires: the deadline then never comes (a
 * probe's 200 ms timeout waited for undici's 300 s headers timeout in CI). The timer does not
 * keep the process alive.
 * @module
 */
export function deadlineSignal(ms: number): AbortSignal {
  const controller = new AbortController()
  const timer = setTimeout(
    () =>
      controller.abort(
        new DOMException('The operation was aborted due to timeout', 'TimeoutError')
      ),
    ms
  )
  ;(timer as { unref?: () => void }).unref?.()
  return controller.signal
}
