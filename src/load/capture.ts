/**
 * `capture`: a JSONPath into a successful JSON answer whose value becomes the operation's id
 * in the history (e.g. `$.id` of `POST /orders` → `{"id": "o-17"}`), as the http probe reads
 * values with jsonpath-plus.
 * @module
 */
import { JSONPath } from 'jsonpath-plus'

/** The first value at `path` as a string, or undefined (not JSON, nothing there, an object). */
export function captureValue(path: string, body: string): string | undefined {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return undefined
  }
  let found: unknown
  try {
    // 'safe' evaluates filter expressions without JavaScript eval.
    found = JSONPath({ path, json: json as object, wrap: true, eval: 'safe' })
  } catch {
    return undefined
  }
  const first: unknown = Array.isArray(found) ? found[0] : undefined
  if (typeof first === 'string') {
    return first
  }
  if (typeof first === 'number' || typeof first === 'boolean' || typeof first === 'bigint') {
    return String(first)
  }
  return undefined
}
