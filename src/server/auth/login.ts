/**
 * One-time login codes and sessions. A code (`ordl_login_…`, secrets.ts) is stored with
 * `oneTime: true` and cannot be used as a bearer token; `POST /api/auth/login` deletes it and hands out a normal session token, so
 * a link that leaks after use (browser history, a chat) is worthless.
 * @module
 */
import type { LoginResponse, User } from '../../shared/api.js'
import { HttpError } from '../http/route.js'
import type { Store } from '../store/contract.js'
import { hashSecret, newId, newSecret, SECRET_PREFIX, secretKind } from './secrets.js'

export const LOGIN_CODE_NAME = 'login code'
const DAY_MS = 24 * 60 * 60 * 1000
const CODE_TTL_MS = DAY_MS
const SESSION_TTL_MS = 7 * DAY_MS

/** Issues a one-time code for `user`, valid 24 h; returns the secret (shown once). */
export async function issueLoginCode(store: Store, user: User, now = new Date()): Promise<string> {
  const code = newSecret('login')
  await store.createToken({
    id: newId('tok'),
    name: LOGIN_CODE_NAME,
    userId: user.id,
    role: user.role,
    hash: hashSecret(code),
    oneTime: true,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
  })
  return code
}

export function loginLink(baseUrl: string, code: string): string {
  return `${baseUrl}/login?code=${encodeURIComponent(code)}`
}

/**
 * Session tokens are named so, for people reading a token list. What makes one a session is
 * the store's `session` mark, set only here: an API token may carry any name.
 */
export const SESSION_PREFIX = 'session '

/** Exchanges a code for a session token; 401 when unknown, expired or already used. */
export async function exchangeLoginCode(
  store: Store,
  code: string,
  now = new Date()
): Promise<LoginResponse> {
  if (secretKind(code) !== 'login') {
    // Checked before the lookup: an API token is never exchanged, whatever the store says.
    throw new HttpError(
      401,
      'unauthorized',
      `not a login code (login codes start with ${SECRET_PREFIX.login}; an API token is used as a bearer token, not here)`
    )
  }
  const record = await store.findToken(hashSecret(code), now.toISOString())
  // deleteToken's answer settles a race between two uses of one code: only one deletes it.
  if (!record || !record.oneTime || !(await store.deleteToken(record.id))) {
    throw new HttpError(401, 'unauthorized', 'invalid, expired or already used login code')
  }
  const token = newSecret('token')
  await store.createToken({
    id: newId('tok'),
    name: `${SESSION_PREFIX}${now.toISOString().slice(0, 10)}`,
    userId: record.user.id,
    role: record.user.role,
    hash: hashSecret(token),
    session: true,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS).toISOString(),
  })
  return { token, user: record.user }
}
