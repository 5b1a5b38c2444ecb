/**
 * What travels between ordeal and its query child process (`./query-child.ts`): the request on
 * the child's stdin, the answer on its stdout, both JSON. Cells are flattened by `sqlScalar` in
 * the child, since bigints, dates and buffers do not survive JSON.
 * @module
 */
import { sqlScalar } from './client.js'
import type { SqlDriver } from './client.js'

export interface QueryRequest {
  driver: SqlDriver
  database: string
  sql: string
  timeoutMs: number
  applicationName: string
  firstRowOnly?: boolean
  exactIntegers?: boolean
}

/** A cell: text, a finite number, or null for SQL NULL. */
export type QueryCell = string | number | null
export type QueryAnswer = { rows: QueryCell[][] } | { error: string }

/** JSON has no Infinity or NaN: those travel as text, as `sqlScalar` would show them. */
export function toCell(value: unknown): QueryCell {
  const scalar = sqlScalar(value)
  if (scalar === undefined) {
    return null
  }
  return typeof scalar === 'number' && !Number.isFinite(scalar) ? String(scalar) : scalar
}
