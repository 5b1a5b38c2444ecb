/**
 * SQL probe: the first column of the first row of a query, compared with the comparator.
 * Drivers are imported on first use so a missing or broken one affects only the probes that
 * need it. Every connection is closed, whatever the outcome.
 * @module
 */
import path from 'node:path'
import { renderTemplate } from '../../shared/template.js'
import { compare, describeComparator } from '../comparator.js'
import { defineProbe } from '../contract.js'
import {
  abortMessage,
  attemptSignal,
  errorMessage,
  excerpt,
  failed,
  redactUrl,
} from '../attempt.js'

/** SQLite calls block the event loop: cap how long one may wait on a locked database. */
const MAX_SQLITE_BUSY_MS = 2000

type Row = readonly unknown[] | undefined
type Query = (database: string, sql: string, signal: AbortSignal, timeoutMs: number) => Promise<Row>

export const sqlProbe = defineProbe({
  type: 'sql',

  describe(params) {
    const where = params.driver === 'sqlite' ? params.database : redactUrl(params.database)
    return `${params.driver} ${where}: ${excerpt(params.query, 80)} ${describeComparator(params.comparator)}`
  },

  async check(params, ctx) {
    let database: string
    let sql: string
    try {
      database = renderTemplate(params.database, ctx.vars)
      sql = renderTemplate(params.query, ctx.vars)
    } catch (err) {
      return failed(errorMessage(err))
    }
    if (params.driver === 'sqlite') {
      database = path.resolve(ctx.baseDir, database)
    }
    const query: Query =
      params.driver === 'sqlite'
        ? querySqlite
        : params.driver === 'postgres'
          ? queryPostgres
          : queryMysql

    const signal = attemptSignal(ctx)
    let row: Row
    try {
      row = await untilAborted(query(database, sql, signal, ctx.timeoutMs), signal)
    } catch (err) {
      return failed(
        `${params.driver}: ${signal.aborted ? abortMessage(signal, ctx) : errorMessage(err)}`
      )
    }
    if (!row || row.length === 0) {
      return failed('query returned no rows')
    }
    const value = scalar(row[0])
    if (value === undefined) {
      return failed('query returned NULL')
    }
    const result = compare(params.comparator, value)
    return { passed: result.passed, message: result.message, value }
  },
})

/** Text or number for the comparator; undefined for SQL NULL. */
function scalar(value: unknown): string | number | undefined {
  if (value === null || value === undefined) {
    return undefined
  }
  if (typeof value === 'number' || typeof value === 'string') {
    return value
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') {
    return String(value)
  }
  if (value instanceof Date) {
    return value.toISOString()
  }
  if (value instanceof Uint8Array) {
    return Buffer.from(value).toString('utf8')
  }
  return JSON.stringify(value)
}

/** Settles with `work`, or rejects as soon as `signal` aborts (the driver cleans up behind). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'))
    if (signal.aborted) {
      onAbort()
    }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

async function querySqlite(file: string, sql: string, _signal: AbortSignal, timeoutMs: number) {
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(file, {
    readonly: true,
    fileMustExist: true,
    timeout: Math.min(timeoutMs, MAX_SQLITE_BUSY_MS),
  })
  try {
    const statement = db.prepare(sql)
    if (!statement.reader) {
      throw new Error('statement returns no data (the probe needs a query)')
    }
    return statement.raw(true).get() as Row
  } finally {
    db.close()
  }
}

async function queryPostgres(url: string, sql: string, signal: AbortSignal, timeoutMs: number) {
  const { default: pg } = await import('pg')
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    application_name: 'ordeal-probe',
  })
  // A server going away after connect is emitted as an event; unhandled, it would crash the run.
  client.on('error', () => undefined)
  const onAbort = () => void client.end().catch(() => undefined)
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await client.connect()
    const result = await client.query<unknown[]>({ text: sql, rowMode: 'array' })
    return result.rows[0]
  } finally {
    signal.removeEventListener('abort', onAbort)
    await client.end().catch(() => undefined)
  }
}

async function queryMysql(url: string, sql: string, signal: AbortSignal, timeoutMs: number) {
  const mysql = await import('mysql2/promise')
  const connection = await mysql.createConnection({ uri: url, connectTimeout: timeoutMs })
  connection.on('error', () => undefined)
  const onAbort = () => connection.destroy()
  if (signal.aborted) {
    onAbort()
  }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    const [rows] = await connection.query({ sql, rowsAsArray: true, timeout: timeoutMs })
    return Array.isArray(rows) ? (rows[0] as Row) : undefined
  } finally {
    signal.removeEventListener('abort', onAbort)
    // end() waits for the server's goodbye; a dead connection just gets destroyed.
    await connection.end().catch(() => connection.destroy())
  }
}
