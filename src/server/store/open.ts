/**
 * Picks the store from the server's configuration: PostgreSQL when a `postgres://` URL is
 * given, else SQLite in the data dir, so a first `ordeal server` needs no database set up.
 * Either way the schema is migrated before the store is handed out.
 * @module
 */
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Store } from './contract.js'
import { PostgresStore } from './postgres.js'
import { SqliteStore } from './sqlite.js'

export interface StoreOptions {
  /** Where the SQLite file `ordeal.db` lives (created if missing). */
  dataDir: string
  /** `postgres://` or `postgresql://` selects PostgreSQL; anything else, SQLite. */
  databaseUrl?: string
}

/** The SQLite file's name inside the data dir. */
export const SQLITE_FILE = 'ordeal.db'

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url)
}

/** The URL as it can be shown in logs and errors: the password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') {
      parsed.password = '***'
    }
    return parsed.toString()
  } catch {
    // Not parseable: show nothing of it rather than risk printing a secret.
    return 'postgres://(unparseable URL)'
  }
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (isPostgresUrl(options.databaseUrl)) {
    return openPostgres(options.databaseUrl)
  }
  await mkdir(options.dataDir, { recursive: true })
  const store = new SqliteStore(path.join(options.dataDir, SQLITE_FILE))
  try {
    await store.migrate()
  } catch (err) {
    await store.close()
    throw err
  }
  return store
}

async function openPostgres(url: string): Promise<Store> {
  const store = new PostgresStore(url)
  try {
    // The first query: it connects, so an unreachable server or bad credentials fail here.
    await store.migrate()
  } catch (err) {
    await store.close()
    const reason = describeError(err).replace(/\s+/g, ' ')
    throw new Error(`cannot open the PostgreSQL store at ${redactUrl(url)}: ${reason}`, {
      cause: err,
    })
  }
  return store
}

/** Node reports a refused connection to every address of a host as an AggregateError. */
function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    return [...new Set(err.errors.map(describeError))].join('; ')
  }
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code
    return err.message !== '' ? err.message : String(code ?? err.name)
  }
  return String(err)
}
