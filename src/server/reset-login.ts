/**
 * `ordeal server --reset-login` while a server already runs on the data directory (issue 13
 * §5): instead of starting a second server (EADDRINUSE, or worse two servers on one store),
 * the command opens the same store beside it (SQLite in WAL mode takes a second writer
 * process; PostgreSQL any number), issues a new one-time login code for the owner, and hands
 * back the link on the running server's URL. The code lives in the store, so the running
 * server accepts it at once.
 * @module
 */
import { bootstrapAuth } from './auth/bootstrap.js'
import { loginLink } from './auth/login.js'
import { runningServer } from './server-lock.js'
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
