/**
 * Reads the ids the system delivered, for the `queue` and `set` checks: from a SQL query, an
 * HTTP endpoint or a file. The engine renders templates first; this only reads.
 * @module
 */
import path from 'node:path'
import { errorMessage, excerpt, redactUrl } from '../../probes/attempt.js'
import type { DeliveredSourceInput } from '../schema.js'
import { readFileSource } from './file.js'
import { readHttpSource } from './http.js'
import { readSqlSource } from './sql.js'
import type { Launcher } from '../../platforms/local/exec-policy.js'
import { deadlineSignal } from '../../shared/deadline-signal.js'

export interface DeliveredSourceContext {
  /** Relative sqlite and file paths resolve against it (the manifest's directory). */
  baseDir: string
  /** The run's signal: aborting stops the read at once. */
  signal?: AbortSignal
  /** One read's deadline, connecting included. @default 10000 */
  timeoutMs?: number
  /** Files are read with the run user's rights (the run's exec policy). */
  launch?: Launcher
}

export const DEFAULT_SOURCE_TIMEOUT_MS = 10_000

/** A source could not be read; the message is one line naming the source. */
export class DeliveredSourceError extends Error {
  readonly code = 'ORDEAL_DELIVERED_SOURCE'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DeliveredSourceError'
  }
}

/**
 * Every delivered id, in the order the source lists them, duplicates kept (the checkers work
 * on multisets).
 * @throws {DeliveredSourceError} e.g. `cannot read delivered ids from postgres
 *   postgres://app:***@127.0.0.1:5432/shop: relation "outbox" does not exist`
 */
export async function readDelivered(
  source: DeliveredSourceInput,
  ctx: DeliveredSourceContext
): Promise<string[]> {
  const timeoutMs = ctx.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS
  const deadline = deadlineSignal(timeoutMs)
  const signal = ctx.signal ? AbortSignal.any([ctx.signal, deadline]) : deadline
  try {
    if (source.sql) {
      return await readSqlSource(source.sql, {
        baseDir: ctx.baseDir,
        signal,
        timeoutMs,
        ...(ctx.launch ? { launch: ctx.launch } : {}),
      })
    }
    if (source.http) {
      return await readHttpSource(source.http, { signal })
    }
    if (source.file !== undefined) {
      return await readFileSource(source.file, {
        baseDir: ctx.baseDir,
        signal,
        ...(ctx.launch ? { launch: ctx.launch } : {}),
      })
    }
    throw new Error("needs exactly one of 'sql', 'http' or 'file'")
  } catch (err) {
    const reason = signal.aborted
      ? deadline.aborted
        ? `timed out after ${timeoutMs}ms`
        : 'aborted'
      : errorMessage(err)
    throw new DeliveredSourceError(
      `cannot read delivered ids from ${describeSource(source, ctx.baseDir)}: ${excerpt(reason, 300)}`,
      { cause: err }
    )
  }
}

/** `sqlite /abs/app.db`, `postgres postgres://app:***@host/db`, `GET http://...`, `file /abs/ids.txt` */
export function describeSource(source: DeliveredSourceInput, baseDir: string): string {
  if (source.sql) {
    const { driver, database } = source.sql
    return `${driver} ${driver === 'sqlite' ? path.resolve(baseDir, database) : redactUrl(database)}`
  }
  if (source.http) {
    return `GET ${redactUrl(source.http.url)}`
  }
  if (source.file !== undefined) {
    return `file ${path.resolve(baseDir, source.file)}`
  }
  return 'an empty source'
}
