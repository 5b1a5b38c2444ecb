/**
 * Entry point of the child process that runs one SQL query as the run user (see
 * `./query-as.ts`). Reads a {@link QueryRequest} as JSON on stdin, writes a
 * {@link QueryAnswer} as JSON on stdout, then exits. Cells are flattened by `sqlScalar`
 * here, since bigints, dates and buffers do not survive JSON.
 * @module
 */
import { accessSync, constants } from 'node:fs'
import { text } from 'node:stream/consumers'
import { queryRows, sqlScalar } from './client.js'
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

async function answer(): Promise<QueryAnswer> {
  try {
    const request = JSON.parse(await text(process.stdin)) as QueryRequest
    if (request.driver === 'sqlite') {
      // SQLite says only "unable to open database file"; the errno says why (permission denied).
      accessSync(request.database, constants.R_OK)
    }
    // The parent kills this process on its own timeout; this one only frees the driver first.
    const signal = AbortSignal.timeout(request.timeoutMs)
    const rows = await queryRows(request.driver, request.database, request.sql, {
      signal,
      timeoutMs: request.timeoutMs,
      applicationName: request.applicationName,
      ...(request.firstRowOnly ? { firstRowOnly: true } : {}),
      ...(request.exactIntegers ? { exactIntegers: true } : {}),
    })
    return { rows: rows.map((row) => row.map(toCell)) }
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) }
  }
}

// Drivers may keep sockets or timers alive: exit once the answer is written.
const result = await answer()
process.stdout.write(JSON.stringify(result), () => process.exit(0))
