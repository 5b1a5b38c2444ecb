/**
 * jsonpath tolerances: chaoslib parses paths with jsonpath2 (pacifica/python-jsonpath2); ordeal
 * evaluates them with jsonpath-plus (already a dependency) after translating the dialect's
 * differences that experiments commonly use: `=` for equality and `and`/`or`/`not` inside
 * filters, and the filter form `items[*][?(...)]` / `items.*[?(...)]` (in jsonpath2 a filter
 * tests the current node, so experiments filter array items that way), which is
 * `items[?(...)]` in jsonpath-plus. A bare `node[?(...)]` that tests an object itself has no
 * jsonpath-plus equivalent and is refused at parse time.
 * @module
 */
import { JSONPath } from 'jsonpath-plus'

/** The jsonpath-plus path for a jsonpath2 path, or an error message. */
export function translatePath(path: string): { path?: string; error?: string } {
  if (!path.startsWith('$')) {
    return { error: `jsonpath '${path}' must start with $` }
  }
  let out = ''
  let i = 0
  while (i < path.length) {
    const filterAt = path.indexOf('[?(', i)
    if (filterAt < 0) {
      out += path.slice(i)
      break
    }
    const close = matchingClose(path, filterAt + 2)
    if (close < 0) {
      return { error: `jsonpath '${path}': unclosed filter` }
    }
    let before = path.slice(i, filterAt)
    if (before.endsWith('[*]')) {
      before = before.slice(0, -3)
    } else if (before.endsWith('.*')) {
      before = before.slice(0, -2)
    } else {
      return {
        error: `jsonpath '${path}': a filter that tests the node itself is not supported (filter items with [*][?(...)])`,
      }
    }
    out += `${before}[?(${filterExpression(path.slice(filterAt + 3, close))})]`
    i = close + 2
  }
  return { path: out }
}

/** Index of the `)` closing the `(` at `open`, honouring quotes and nesting. */
function matchingClose(text: string, open: number): number {
  let depth = 0
  let quote = ''
  for (let j = open; j < text.length; j++) {
    const c = text[j]!
    if (quote) {
      if (c === quote) {
        quote = ''
      }
    } else if (c === '"' || c === "'") {
      quote = c
    } else if (c === '(') {
      depth++
    } else if (c === ')') {
      depth--
      if (depth === 0) {
        return j
      }
    }
  }
  return -1
}

/** jsonpath2's filter operators in JavaScript: `=` → `==`, `and`/`or`/`not` → `&&`/`||`/`!`. */
function filterExpression(expr: string): string {
  return expr
    .split(/("(?:[^"\\]|\\.)*")/)
    .map((part, k) =>
      k % 2 === 1
        ? part
        : part
            .replace(/(?<![!<>=])=(?!=)/g, '==')
            .replace(/\band\b/g, '&&')
            .replace(/\bor\b/g, '||')
            .replace(/\bnot\b/g, '!')
    )
    .join('')
}

/** Every value the path matches in `json` (none for a scalar root a path cannot enter). */
export function jsonPathValues(path: string, json: unknown): unknown[] {
  const translated = translatePath(path)
  if (translated.error !== undefined) {
    throw new Error(translated.error)
  }
  if (json === null || typeof json !== 'object') {
    return translated.path === '$' ? [json] : []
  }
  const found: unknown = JSONPath({ path: translated.path!, json, wrap: true })
  return Array.isArray(found) ? (found as unknown[]) : []
}
