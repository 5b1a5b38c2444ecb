/**
 * Delivered ids from an HTTP endpoint answering JSON, selected with a JSONPath.
 * @module
 */
import { JSONPath } from 'jsonpath-plus'
import { errorMessage, excerpt } from '../../probes/attempt.js'

export interface HttpSource {
  url: string
  /** @default '$[*]' (every element of a top-level array) */
  jsonPath?: string
}

export const DEFAULT_JSON_PATH = '$[*]'

/**
 * GETs `url` and returns every match of the JSONPath: strings as they are, numbers as text.
 * Anything else matched (an object, null) means the path is wrong, so it throws. Numbers beyond
 * 2^53 lose precision in `JSON.parse`; an endpoint with such ids should send them as strings.
 */
export async function readHttpSource(
  source: HttpSource,
  ctx: { signal: AbortSignal }
): Promise<string[]> {
  const response = await fetch(source.url, {
    headers: { accept: 'application/json' },
    redirect: 'follow',
    signal: ctx.signal,
  })
  const text = await response.text()
  if (!response.ok) {
    const body = excerpt(text, 80)
    throw new Error(body ? `status ${response.status}: ${body}` : `status ${response.status}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new Error(`body is not JSON: ${errorMessage(err)}`)
  }
  if (json === null || typeof json !== 'object') {
    throw new Error(`body is ${describe(json)}, not a JSON array or object`)
  }
  const jsonPath = source.jsonPath ?? DEFAULT_JSON_PATH
  let found: unknown
  try {
    // 'safe' evaluates filter expressions without JavaScript eval.
    found = JSONPath({ path: jsonPath, json, wrap: true, eval: 'safe' })
  } catch (err) {
    throw new Error(`invalid jsonPath ${jsonPath}: ${errorMessage(err)}`)
  }
  const matches: unknown[] = Array.isArray(found) ? found : []
  return matches.map((value, i) => {
    if (typeof value === 'string') {
      return value
    }
    if (typeof value === 'number') {
      return String(value)
    }
    throw new Error(
      `${jsonPath} matched ${describe(value)} at position ${i}, not an id (a string or number)`
    )
  })
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null'
  }
  if (Array.isArray(value)) {
    return 'an array'
  }
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}
