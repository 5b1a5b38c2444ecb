/**
 * `ordeal token create --data DIR --role owner|editor|viewer|agent --name NAME [--user NAME]
 * [--expires-in 30d]` (issue 14): a token made offline, straight in the Chaos Center's store,
 * for automation and first set-up (an agent's token before anyone opened the UI). It opens the
 * store the way `ordeal server` does (DATABASE_URL, else SQLite in DIR; data dir secured,
 * schema migrated) and is safe beside a live server: SQLite in WAL mode takes a second writer,
 * and the server looks tokens up in the store on every request, so it accepts the new one at
 * once. The last line of stdout is the secret alone (`TOKEN=$(ordeal token create … | tail -1)`);
 * what happened goes to stderr. Exit 2 on bad input, one line; 3 when the store cannot be opened.
 * @module
 */
import { statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Role } from '../../shared/api.js'
import { parseDuration } from '../../shared/duration.js'
import { displayNameSchema } from '../../server/api/names.js'
import { AGENT_TOKEN_NAME_RULE, isAgentName } from '../../server/auth/agent-tokens.js'
import { createOfflineToken, OfflineTokenError } from '../../server/auth/offline-token.js'
import { secureDataDir, tighten } from '../../server/data-dir.js'
import { runningServer, storeIdentity } from '../../server/server-lock.js'
import { isPostgresUrl, openStore, redactUrl } from '../../server/store/open.js'
import { EXIT_USAGE } from '../exit.js'

export interface TokenCreateOptions {
  data?: string
  role?: string
  name?: string
  user?: string
  expiresIn?: string
}

const TOKEN_ROLES: readonly Role[] = ['owner', 'editor', 'viewer', 'agent']
const DAY_MS = 24 * 60 * 60 * 1000
/** The API's own bound on expiry (createTokenBody: 3650 days). */
const MAX_EXPIRY_MS = 3650 * DAY_MS

export async function tokenCreateCommand(options: TokenCreateOptions): Promise<number> {
  const checked = checkOptions(options)
  if (typeof checked === 'string') {
    return usage(checked)
  }
  const { dataDir, role, name, expiresInMs } = checked
  const databaseUrl = process.env['DATABASE_URL'] || undefined
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    return usage('DATABASE_URL must be a postgres:// or postgresql:// URL')
  }
  // Beside a server on PostgreSQL, a missing DATABASE_URL would make a stray SQLite store here
  // whose tokens that server never sees (the --reset-login check, server/reset-login.ts).
  let running
  try {
    running = runningServer(dataDir)
  } catch (error) {
    process.stderr.write(`ordeal token: cannot read ${dataDir}: ${oneLine(error)}\n`)
    return 3
  }
  const asked = storeIdentity(databaseUrl)
  if (running?.store !== undefined && running.store !== asked) {
    const theirs =
      running.store === 'sqlite' ? 'the SQLite store in its data directory' : running.store
    return usage(
      `the Chaos Center running on ${dataDir} uses ${theirs}, not ` +
        `${asked === 'sqlite' ? 'SQLite' : asked}: run with the DATABASE_URL it was started with`
    )
  }
  const where = databaseUrl !== undefined ? redactUrl(databaseUrl) : dataDir
  let store
  try {
    secureDataDir(dataDir)
    store = await openStore({ dataDir, ...(databaseUrl !== undefined ? { databaseUrl } : {}) })
    // The database file SQLite may just have created (its WAL and shm files take its mode).
    tighten(dataDir)
  } catch (error) {
    process.stderr.write(`ordeal token: cannot open the store (${where}): ${oneLine(error)}\n`)
    return 3
  }
  try {
    const now = new Date()
    const made = await createOfflineToken(store, {
      role,
      name,
      ...(options.user !== undefined ? { userName: options.user } : {}),
      ...(expiresInMs !== undefined ? { expiresAt: new Date(now.getTime() + expiresInMs) } : {}),
      now,
    })
    if (made.createdOwner) {
      process.stderr.write(
        'created user owner; print a login link with ordeal server --reset-login\n'
      )
    }
    const expires = made.token.expiresAt !== undefined ? `, expires ${made.token.expiresAt}` : ''
    process.stderr.write(
      `token ${made.token.id} (role ${role}, name ${name}${expires}) for user ${made.user.name}\n`
    )
    // The secret alone, last: nothing else on stdout, so `| tail -1` is the token.
    process.stdout.write(`${made.secret}\n`)
    return 0
  } catch (error) {
    if (error instanceof OfflineTokenError) {
      return usage(error.message)
    }
    process.stderr.write(`ordeal token: cannot create the token (${where}): ${oneLine(error)}\n`)
    return 3
  } finally {
    await store.close()
  }
}

interface CheckedOptions {
  dataDir: string
  role: Role
  name: string
  expiresInMs?: number
}

/** The flags, checked in the order they are read; the first problem as one line. */
export function checkOptions(options: TokenCreateOptions): CheckedOptions | string {
  if (options.data === undefined || options.data.trim() === '') {
    return "--data DIR is required: the Chaos Center's data directory (ordeal server --data)"
  }
  const dataDir = path.resolve(expandHome(options.data))
  if (!isDirectoryOrAbsent(dataDir)) {
    return `--data '${dataDir}' is not a directory`
  }
  const role = TOKEN_ROLES.find((r) => r === options.role)
  if (role === undefined) {
    return '--role must be owner, editor, viewer or agent'
  }
  if (options.name === undefined) {
    return role === 'agent' ? "--name is required: the agent's name" : '--name is required'
  }
  let name = options.name
  if (role === 'agent') {
    if (!isAgentName(name)) {
      return `--name '${name}': ${AGENT_TOKEN_NAME_RULE}`
    }
  } else {
    const parsed = displayNameSchema.min(1, 'must not be empty').safeParse(name)
    if (!parsed.success) {
      return `--name: ${parsed.error.issues[0]?.message ?? 'invalid'}`
    }
    name = parsed.data
  }
  if (options.expiresIn === undefined) {
    return { dataDir, role, name }
  }
  const expiresInMs = parseExpiry(options.expiresIn)
  if (expiresInMs === undefined) {
    return `--expires-in '${options.expiresIn}' must be a duration like 30d, 12h or 90m, at most 3650d`
  }
  return { dataDir, role, name, expiresInMs }
}

/** `30d`, or any manifest duration (`12h`, `90m`); positive and at most 3650 days. */
export function parseExpiry(text: string): number | undefined {
  const days = /^(\d+)d$/.exec(text)
  const ms = days ? Number(days[1]) * DAY_MS : parseDuration(text)
  return ms !== undefined && ms > 0 && ms <= MAX_EXPIRY_MS ? ms : undefined
}

/** Absent is fine (created like `ordeal server` creates it); a file, or a path through one, is not. */
function isDirectoryOrAbsent(dir: string): boolean {
  try {
    return statSync(dir).isDirectory()
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
  }
}

function expandHome(dir: string): string {
  return dir === '~' || dir.startsWith('~/') ? path.join(os.homedir(), dir.slice(1)) : dir
}

function usage(line: string): number {
  process.stderr.write(`ordeal token: ${line}\n`)
  return EXIT_USAGE
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/\s*[\r\n]+\s*/g, ' ')
}
