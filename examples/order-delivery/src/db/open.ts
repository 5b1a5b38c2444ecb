import { openPostgresStore } from './postgres.js'
import { openSqliteStore } from './sqlite.js'
import type { OrderStore } from './store.js'

/** `DATABASE_URL=postgres://...` selects PostgreSQL; otherwise SQLite in `DATA_DIR`. */
export async function openStore(env: NodeJS.ProcessEnv = process.env): Promise<OrderStore> {
  const url = env['DATABASE_URL']
  if (url !== undefined && /^postgres(ql)?:\/\//.test(url)) {
    return openPostgresStore(url)
  }
  const dir = env['DATA_DIR']
  if (!dir) {
    throw new Error('set DATA_DIR (a directory for the SQLite file) or DATABASE_URL=postgres://...')
  }
  return openSqliteStore(dir)
}
