/**
 * Per-request templates for url, headers, body and id. A template is compiled once: system
 * variables (`options.vars`) are substituted at compile time, leaving a list of literal strings
 * and the three per-request placeholders, so rendering a request is a join, not a regex.
 * Compiled templates are plain data, so they cross into worker threads as they are.
 * @module
 */
import { randomUUID } from 'node:crypto'
import { renderTemplate } from '../shared/template.js'
import type { TemplateVars } from '../shared/template.js'

export type Dynamic = 'seq' | 'uuid' | 'now'
const kDynamic: readonly string[] = ['seq', 'uuid', 'now'] satisfies Dynamic[]

/** Literal strings and per-request placeholders, in order. */
export type CompiledTemplate = (string | { dynamic: Dynamic })[]

/** What one request renders with: the same uuid and time in every template of that request. */
export interface RequestValues {
  seq: number
  uuid: string
  now: string
}

const kPlaceholder = /\{\{\s*([\w.[\]-]+)\s*\}\}/g

/** Compiles `text`; throws `unknown template variable {{x}}` for a variable nobody defines. */
export function compileTemplate(
  text: string,
  vars: Record<string, unknown> = {}
): CompiledTemplate {
  const parts: CompiledTemplate = []
  let literal = ''
  let last = 0
  for (const match of text.matchAll(kPlaceholder)) {
    literal += text.slice(last, match.index)
    last = match.index + match[0].length
    const name = match[1] ?? ''
    if (kDynamic.includes(name)) {
      if (literal !== '') {
        parts.push(literal)
      }
      literal = ''
      parts.push({ dynamic: name as Dynamic })
    } else {
      literal += renderTemplate(match[0], vars as TemplateVars)
    }
  }
  literal += text.slice(last)
  // `{{seq` or `{{ a b }}` is a typo, not text to send as is.
  const malformed = /\{\{[^]*/.exec(text.replace(kPlaceholder, ''))?.[0]
  if (malformed !== undefined) {
    throw new Error(`malformed template '${malformed.slice(0, 40)}': write {{name}}, e.g. {{seq}}`)
  }
  if (literal !== '' || parts.length === 0) {
    parts.push(literal)
  }
  return parts
}

export function render(template: CompiledTemplate, values: RequestValues): string {
  if (template.length === 1 && typeof template[0] === 'string') {
    return template[0]
  }
  let out = ''
  for (const part of template) {
    out +=
      typeof part === 'string'
        ? part
        : part.dynamic === 'seq'
          ? String(values.seq)
          : values[part.dynamic]
  }
  return out
}

export function isStatic(template: CompiledTemplate): boolean {
  return template.every((part) => typeof part === 'string')
}

export function uses(templates: CompiledTemplate[], name: Dynamic): boolean {
  return templates.some((t) => t.some((part) => typeof part !== 'string' && part.dynamic === name))
}

/**
 * Values for request `seq`; a uuid and a timestamp are made only when some template uses them
 * (randomUUID is cheap, but not free at 10k requests per second).
 */
export function requestValues(seq: number, needsUuid: boolean, needsNow: boolean): RequestValues {
  return {
    seq,
    uuid: needsUuid ? randomUUID() : '',
    now: needsNow ? new Date().toISOString() : '',
  }
}
