/**
 * `ordeal server --reset-login` while a server already runs on the data directory (issue 13
 * §5): instead of starting a second server (EADDRINUSE, or worse two servers on one store),
 * the command opens the same store beside it (SQLite in WAL mode takes a second writer
 * process; PostgreSQL any number), issues a new one-time login code for the owner, and hands
 * back the link on the running server's URL. The code lives in the store, so the running
 * server accepts it at once. The store must be the one the running server named in its lock:
 * without DATABASE_URL beside a server on PostgreSQL, openStore would create a stray SQLite
 * store with a second owner in it, and the link would never work.
 * @module
 */
import { bootstrapAuth } from './auth/bootstrap.js'
import { loginLink } from './auth/login.js'
import { runningServer, storeIdentity } from './server-lock.js'
import { openStore } from './store/open.js'

export interface ResetLoginResult {
  url: string
  loginLink: string
}

/**
 * The new login link of the server running on `dataDir`; undefined when none runs there (the
 * caller starts one with resetLogin as before). Throws when the server is still starting.
 */
export async function resetLoginOfRunningServer(options: {
  dataDir: string
  databaseUrl?: string
}): Promise<ResetLoginResult | undefined> {
  const running = runningServer(options.dataDir)
  if (running === undefined) {
    return undefined
  }
  if (running.url === undefined) {
    throw new Error(
      'a Chaos Center is starting on this data directory; run --reset-login again once it prints its URL'
    )
  }
  const asked = storeIdentity(options.databaseUrl)
  if (running.store !== undefined && running.store !== asked) {
    throw new StoreMismatchError(
      `the Chaos Center running on ${options.dataDir} uses ${describe(running.store)}, not ` +
        `${describe(asked)}: run --reset-login with the DATABASE_URL it was started with` +
        `${running.store === 'sqlite' ? ' (none)' : ''}`
    )
  }
  const store = await openStore(options)
  try {
    const { code } = await bootstrapAuth(store, { resetLogin: true })
    if (code === undefined) {
      throw new Error('no login code was issued')
    }
    return { url: running.url, loginLink: loginLink(running.url, code) }
  } finally {
    await store.close()
  }
}

/** `--reset-login` was given another store than the running server's: bad input (exit 2). */
export class StoreMismatchError extends Error {
  override name = 'StoreMismatchError'
}

function describe(store: string): string {
  return store === 'sqlite' ? 'the SQLite store in its data directory' : store
}
