/**
 * One active HTTP fault: which requests it matches, how many of them it hits, and what it does.
 * Plain data plus a pure matcher, so the proxy can be tested without the experiment engine.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http'

export type HttpAction =
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' }

export interface HttpMatch {
  method?: string
  /** Path prefix. */
  path?: string
  pathRegex?: string
  headers?: Record<string, string>
}

export interface HttpRule {
  match: HttpMatch
  /** 0-100. */
  percent: number
  action: HttpAction
}

export interface RequestHead {
  method: string
  /** Without the query string. */
  path: string
  headers: IncomingHttpHeaders
}

export function ruleMatches(rule: HttpRule, head: RequestHead): boolean {
  const { method, path, pathRegex, headers } = rule.match
  if (method !== undefined && method.toUpperCase() !== head.method.toUpperCase()) {
    return false
  }
  if (path !== undefined && !head.path.startsWith(path)) {
    return false
  }
  if (pathRegex !== undefined && !new RegExp(pathRegex).test(head.path)) {
    return false
  }
  for (const [name, value] of Object.entries(headers ?? {})) {
    const actual = head.headers[name.toLowerCase()]
    const values = Array.isArray(actual) ? actual : actual === undefined ? [] : [actual]
    if (!values.includes(value)) {
      return false
    }
  }
  return true
}
