/**
 * Request validation with one answer shape: 400 `{ error: 'validation', message, issues }`,
 * where the message is the first issue on one line, naming the field (`body.yaml: Required`),
 * so a human reading a curl response and the UI highlighting a field read the same data.
 * @module
 */
import type { z } from 'zod'
import type { ValidationIssue } from '../../shared/api.js'
import { HttpError } from '../http/route.js'

export class ValidationError extends HttpError {
  constructor(
    readonly issues: ValidationIssue[],
    message = issues[0] ? formatIssue(issues[0]) : 'invalid request'
  ) {
    super(400, 'validation', message)
  }
}

export function formatIssue(issue: ValidationIssue): string {
  const where = issue.line !== undefined ? `line ${issue.line}: ` : ''
  return oneLine(`${where}${issue.path ? `${issue.path}: ` : ''}${issue.message}`)
}

/** Parses `value` (the request's `where`: params, query or body) or throws ValidationError. */
export function parseRequestPart<T>(
  where: 'params' | 'query' | 'body',
  schema: z.ZodType<T>,
  value: unknown
): T {
  const parsed = schema.safeParse(value, {
    // "Required" reads better than "expected string, received undefined" for a missing field.
    error: (issue) =>
      issue.code === 'invalid_type' && issue.input === undefined ? 'Required' : undefined,
  })
  if (parsed.success) {
    return parsed.data
  }
  const issues: ValidationIssue[] = []
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: joinPath(where, [...issue.path, key]), message: 'unknown field' })
      }
      continue
    }
    issues.push({ path: joinPath(where, issue.path), message: oneLine(issue.message) })
  }
  throw new ValidationError(issues)
}

function joinPath(where: string, path: readonly PropertyKey[]): string {
  let out = where
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`
  }
  return out
}

export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim()
}
