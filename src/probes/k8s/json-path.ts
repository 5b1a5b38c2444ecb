/**
 * The k8s probe's JSONPath: what people copy from kubectl (`{.status.availableReplicas}`,
 * `{.status.conditions[?(@.type=="Available")].status}`) or write by hand (`.a.b`, `a.b`,
 * `$.a.b`), read with jsonpath-plus. Kubernetes omits zero and empty fields, so "absent" is a
 * normal answer, kept apart from a value.
 * @module
 */
import { JSONPath } from 'jsonpath-plus'

export type PathValue = { value: string | number } | { absent: true } | { error: string }

/** `$.status.availableReplicas` from any of the accepted spellings. */
export function normalisePath(text: string): string {
  let path = text.trim()
  // kubectl's template form holds one expression in braces.
  if (path.startsWith('{') && path.endsWith('}')) {
    path = path.slice(1, -1).trim()
  }
  if (path.startsWith('$')) {
    return path
  }
  return path.startsWith('.') || path.startsWith('[') ? `$${path}` : `$.${path}`
}

/** How a path is named in messages: `status.availableReplicas`, whatever the spelling. */
export function showPath(text: string): string {
  return normalisePath(text).replace(/^\$\.?/, '')
}

/**
 * The value at `path` in `object`. Several matches (a filter over a list) are joined with a
 * space, as kubectl prints them; objects and arrays are shown as JSON; booleans and null as
 * their JSON words, so string comparators see `"True"`/`"true"` exactly as kubectl shows them.
 */
export function valueAt(object: unknown, path: string): PathValue {
  let found: unknown[]
  try {
    found = JSONPath({
      path: normalisePath(path),
      json: object as object,
      wrap: true,
      // Filters without JavaScript eval: a manifest is not code.
      eval: 'safe',
    }) as unknown[]
  } catch (err) {
    return { error: `invalid JSONPath ${JSON.stringify(path)}: ${(err as Error).message}` }
  }
  const values = (Array.isArray(found) ? found : []).filter((v) => v !== undefined)
  if (values.length === 0) {
    return { absent: true }
  }
  if (values.length === 1) {
    return { value: scalar(values[0]) }
  }
  return { value: values.map((v) => String(scalar(v))).join(' ') }
}

function scalar(value: unknown): string | number {
  if (typeof value === 'number' || typeof value === 'string') {
    return value
  }
  return JSON.stringify(value) ?? String(value)
}
