/**
 * `${name}` substitution as chaoslib does it (Python's `string.Template.safe_substitute`):
 * configuration first, then each secret scope's keys; strings only, recursively; unknown names
 * and invalid forms left as written; a string that is exactly `${name}` takes the raw value.
 * @module
 */
import type { CtkValues } from './model.js'

const IDENT = '[_a-zA-Z][_a-zA-Z0-9]*'
// Python Template's pattern: `$$`, `$name`, `${name}`, or an invalid `$`.
const TEMPLATE = new RegExp(`\\$(?:(\\$)|(${IDENT})|\\{(${IDENT})\\})`, 'g')
const EXACT = new RegExp(`^\\$\\{(${IDENT})\\}$`)

/** The lookup chaoslib builds: configuration, then secret keys scope by scope (first wins). */
export function lookupTable(values: CtkValues): Map<string, unknown> {
  const table = new Map<string, unknown>()
  for (const [k, v] of Object.entries(values.configuration)) {
    table.set(k, v)
  }
  for (const scope of Object.values(values.secrets)) {
    for (const [k, v] of Object.entries(scope)) {
      if (!table.has(k)) {
        table.set(k, v)
      }
    }
  }
  return table
}

export function substitute(value: unknown, values: CtkValues): unknown {
  return substituteWith(value, lookupTable(values))
}

export function substituteWith(value: unknown, table: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    const exact = EXACT.exec(value)
    if (exact && table.has(exact[1]!)) {
      return table.get(exact[1]!)
    }
    return value.replace(TEMPLATE, (whole, dollar?: string, bare?: string, braced?: string) => {
      if (dollar) {
        return '$'
      }
      const name = bare ?? braced!
      return table.has(name) ? pythonStr(table.get(name)) : whole
    })
  }
  if (Array.isArray(value)) {
    return value.map((v) => substituteWith(v, table))
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteWith(v, table)]))
  }
  return value
}

/** `str(value)` in Python, for the values JSON and YAML can hold. */
export function pythonStr(value: unknown): string {
  return typeof value === 'string' ? value : pythonRepr(value)
}

function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) {
    return 'None'
  }
  if (value === true) {
    return 'True'
  }
  if (value === false) {
    return 'False'
  }
  if (typeof value === 'number') {
    return String(value)
  }
  if (typeof value === 'string') {
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  }
  if (Array.isArray(value)) {
    return `[${value.map(pythonRepr).join(', ')}]`
  }
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`)
      .join(', ')}}`
  }
  return String(value)
}
