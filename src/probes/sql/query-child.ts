/**
 * Entry point of the child process that runs one SQL query as the run user (see
 * `./query-as.ts`). Reads a query request as JSON on stdin, writes the answer as JSON on
 * stdout (`./query-wire.ts`), then exits.
 * @module
 */
import { accessSync, constants } from 'node:fs'
import { text } from 'node:stream/consumers'
import { queryRows } from './client.js'
import { toCell } from './query-wire.js'
import type { QueryAnswer, QueryRequest } from './query-wire.js'

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
