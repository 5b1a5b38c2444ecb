/**
 * `expectedStatus` ('200-399', '200,201', '200-299,404'): which answers count as success. Like
 * k6's `expected_response`, anything else is an `http-error` and a definite `fail`.
 * @module
 */

export type StatusPredicate = (status: number) => boolean

const kList = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/

/** Parses the list, or returns a one-line problem. */
export function parseExpectedStatus(text: string): StatusPredicate | string {
  const compact = text.replace(/\s+/g, '')
  if (!kList.test(compact)) {
    return `expected status '${text}' must be like '200-399' or '200,201'`
  }
  const ranges = compact.split(',').map((part) => {
    const [low = 0, high = low] = part.split('-').map(Number)
    return [low, high] as const
  })
  const backwards = ranges.find(([low, high]) => high < low)
  if (backwards) {
    return `expected status range '${backwards[0]}-${backwards[1]}' goes backwards`
  }
  // A bitmap: the check runs for every response.
  const ok = new Uint8Array(1000)
  for (const [low, high] of ranges) {
    ok.fill(1, low, high + 1)
  }
  return (status) => ok[status] === 1
}
