/**
 * One SQL query on a fresh connection, for the sql probe and the checks' delivered-id source.
 * Drivers are imported on first use so a missing or broken one affects only what needs it.
 * Every connection is closed, whatever the outcome.
 * @module
 */

export type SqlDriver = 'sqlite' | 'postgres' | 'mysql'
export type SqlRow = readonly unknown[]

export interface SqlQueryOptions {
  /** Aborting rejects at once; the driver closes its connection behind. */
  signal: AbortSignal
  /** Connect, statement and busy timeouts. */
  timeoutMs: number
  /** Shown in `pg_stat_activity`, so a leaked connection can be traced back. */
  applicationName: string
  /** Only the first row is wanted: SQLite stops stepping after it. */
  firstRowOnly?: boolean
  /**
   * Integers beyond 2^53 come back as bigint or text instead of rounded numbers (ids such as
   * snowflakes must survive exactly). PostgreSQL already returns int8 as text.
   */
  exactIntegers?: boolean
}

/** SQLite calls block the event loop: cap how long one may wait on a locked database. */
const MAX_SQLITE_BUSY_MS = 2000

/**
 * Runs `sql` and returns its rows as arrays (first column first). `database` is a file path
 * (opened read-only, never created) for sqlite and a connection URL otherwise. A statement that
 * returns no data is an error on SQLite and no rows on MySQL.
 */
export function queryRows(
  driver: SqlDriver,
  database: string,
  sql: string,
  options: SqlQueryOptions
): Promise<SqlRow[]> {
  const query =
    driver === 'sqlite' ? querySqlite : driver === 'postgres' ? queryPostgres : queryMysql
  return untilAborted(query(database, sql, options), options.signal)
}

/** A column value as text or a number (driver types flattened); undefined for SQL NULL. */
export function sqlScalar(value: unknown): string | number | undefined {
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

async function querySqlite(file: string, sql: string, options: SqlQueryOptions) {
  const { default: Database } = await import('better-sqlite3')
  const db = new Database(file, {
    readonly: true,
    fileMustExist: true,
    timeout: Math.min(options.timeoutMs, MAX_SQLITE_BUSY_MS),
  })
  try {
    const statement = db.prepare(sql)
    if (!statement.reader) {
      throw new Error('statement returns no data (a query is needed)')
    }
    const raw = statement.raw(true).safeIntegers(options.exactIntegers ?? false)
    if (options.firstRowOnly) {
      const row = raw.get() as SqlRow | undefined
      return row ? [row] : []
    }
    return raw.all() as SqlRow[]
  } finally {
    db.close()
  }
}

async function queryPostgres(url: string, sql: string, options: SqlQueryOptions) {
  const { default: pg } = await import('pg')
  const { signal, timeoutMs } = options
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    application_name: options.applicationName,
  })
  // A server going away after connect is emitted as an event; unhandled, it would crash the run.
  client.on('error', () => undefined)
  const onAbort = () => void client.end().catch(() => undefined)
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    await client.connect()
    const result = await client.query<unknown[]>({ text: sql, rowMode: 'array' })
    return result.rows
  } finally {
    signal.removeEventListener('abort', onAbort)
    await client.end().catch(() => undefined)
  }
}

async function queryMysql(url: string, sql: string, options: SqlQueryOptions) {
  const mysql = await import('mysql2/promise')
  const { signal, timeoutMs } = options
  const connection = await mysql.createConnection({
    uri: url,
    connectTimeout: timeoutMs,
    ...(options.exactIntegers ? { supportBigNumbers: true, bigNumberStrings: true } : {}),
  })
  connection.on('error', () => undefined)
  const onAbort = () => connection.destroy()
  if (signal.aborted) {
    onAbort()
  }
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    const [rows] = await connection.query({ sql, rowsAsArray: true, timeout: timeoutMs })
    // A statement without a result set (DO 1, UPDATE) answers with a header, not rows.
    return Array.isArray(rows) ? (rows as SqlRow[]) : []
  } finally {
    signal.removeEventListener('abort', onAbort)
    // end() waits for the server's goodbye; a dead connection just gets destroyed.
    await connection.end().catch(() => connection.destroy())
  }
}
