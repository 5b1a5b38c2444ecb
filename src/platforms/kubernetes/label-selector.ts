/**
 * Label and field selector syntax, checked here before the API sees it so that a typo in a
 * manifest is a one-line validation error naming the field (exit 2), not a 400 mid-run. The
 * API still does the matching: these functions only check and build selector strings.
 * Grammar as in k8s.io/apimachinery `labels.Parse` and `fields.ParseSelector`. Pure: the
 * manifest checks use it too.
 * @module
 */

const NAME = '[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?'
const PREFIX = '[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*'
const KEY = `(?:${PREFIX}/)?${NAME}`
const VALUE = `(?:${NAME})?`

const EXISTS = new RegExp(`^(${KEY})$`)
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`)
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`)
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\((.*)\\)$`)
const NUMERIC = new RegExp(`^(${KEY})\\s*(>|<)\\s*(-?\\d+)$`)
const VALUE_ONLY = new RegExp(`^${VALUE}$`)

/**
 * Why `selector` is not a valid label selector, or undefined when it is:
 * `"tier in web" is not a requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`.
 */
export function labelSelectorError(selector: string): string | undefined {
  const parts = splitTopLevel(selector)
  if (parts === undefined) {
    return 'has unbalanced parentheses'
  }
  for (const raw of parts) {
    const part = raw.trim()
    if (part === '') {
      return 'has an empty requirement (two commas, or one at an end)'
    }
    if (EXISTS.test(part) || NOT_EXISTS.test(part) || EQUALITY.test(part) || NUMERIC.test(part)) {
      const key = (EXISTS.exec(part) ?? NOT_EXISTS.exec(part) ?? EQUALITY.exec(part))?.[1]
      const error = key === undefined ? undefined : keyError(key)
      if (error !== undefined) {
        return error
      }
      continue
    }
    const set = SET.exec(part)
    if (set !== null) {
      const values = set[3]!.split(',').map((v) => v.trim())
      if (values.length === 0 || values.every((v) => v === '')) {
        return `"${part}": ${set[2]} needs at least one value`
      }
      const bad = values.find((v) => !VALUE_ONLY.test(v))
      if (bad !== undefined) {
        return `"${part}": "${bad}" is not a label value`
      }
      continue
    }
    return `"${part}" is not a requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`
  }
  return undefined
}

/** Why `selector` is not a valid field selector (`spec.nodeName=n1,status.phase!=Failed`), or undefined. */
export function fieldSelectorError(selector: string): string | undefined {
  for (const raw of selector.split(',')) {
    const part = raw.trim()
    if (!/^[A-Za-z0-9_.-]+\s*(==|=|!=)\s*[^=!,]*$/.test(part)) {
      return `"${part}" is not a field requirement (field=value, field==value, field!=value)`
    }
  }
  return undefined
}

/** `labels` (all of them) ANDed with a selector expression, as one selector string. */
export function combineLabelSelector(
  labels: Record<string, string> | undefined,
  selector: string | undefined
): string | undefined {
  const parts = Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
  if (selector !== undefined && selector.trim() !== '') {
    parts.push(selector.trim())
  }
  return parts.length === 0 ? undefined : parts.join(',')
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string> | undefined
  matchExpressions?:
    Array<{ key: string; operator: string; values?: string[] | undefined }> | undefined
}

/** A workload's `spec.selector` (matchLabels + matchExpressions) as a selector string. */
export function selectorObjectToString(selector: LabelSelectorObject): string {
  const parts = Object.entries(selector.matchLabels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
  for (const e of selector.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',')
    switch (e.operator) {
      case 'In':
        parts.push(`${e.key} in (${values})`)
        break
      case 'NotIn':
        parts.push(`${e.key} notin (${values})`)
        break
      case 'Exists':
        parts.push(e.key)
        break
      case 'DoesNotExist':
        parts.push(`!${e.key}`)
        break
      default:
        throw new Error(`unknown label selector operator ${e.operator}`)
    }
  }
  return parts.join(',')
}

function keyError(key: string): string | undefined {
  const slash = key.indexOf('/')
  if (slash >= 0 && slash > 253) {
    return `label key "${key}": its prefix is longer than 253 characters`
  }
  return undefined
}

/** Splits on commas outside parentheses; undefined when they do not balance. */
function splitTopLevel(text: string): string[] | undefined {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '(') {
      depth++
    } else if (c === ')') {
      depth--
      if (depth < 0) {
        return undefined
      }
    } else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  if (depth !== 0) {
    return undefined
  }
  parts.push(text.slice(start))
  return parts
}
