/**
 * Tokens made without the API (`ordeal token create`, issue 14): for automation and first
 * set-up, an owner of the machine writes a token straight into the Chaos Center's store, beside
 * a live server or before its first start. The same rules as `POST /api/tokens` hold: a token
 * never acts above its user, agent tokens belong to owners and are named after their agent. On
 * an empty store the bootstrap user `owner` is created (the server then prints no login link:
 * `ordeal server --reset-login` does). Only the secret's hash is stored.
 * @module
 */
import type { ApiToken, Role, User } from '../../shared/api.js'
import type { Store } from '../store/contract.js'
import { atLeast } from './roles.js'
import { hashSecret, newId, newSecret } from './secrets.js'

export interface OfflineTokenRequest {
  role: Role
  /** Checked by the caller (display name, or an agent's name for role `agent`). */
  name: string
  /** The user the token belongs to; default: the oldest owner. */
  userName?: string
  expiresAt?: Date
  now?: Date
}

export interface OfflineToken {
  token: ApiToken
  /** Shown once, never stored. */
  secret: string
  user: User
  /** The store was empty: the bootstrap user `owner` was created for the token. */
  createdOwner: boolean
}

/** The request names a user or role the store refuses: bad input, nothing was written. */
export class OfflineTokenError extends Error {
  override name = 'OfflineTokenError'
}

export async function createOfflineToken(
  store: Store,
  request: OfflineTokenRequest
): Promise<OfflineToken> {
  const now = request.now ?? new Date()
  const { user, created } = await tokenUser(store, request.userName, now)
  if (request.role === 'agent' && user.role !== 'owner') {
    throw new OfflineTokenError(`user ${user.name} is ${user.role}: agent tokens belong to owners`)
  }
  if (request.role !== 'agent' && !atLeast(user.role, request.role)) {
    throw new OfflineTokenError(
      `user ${user.name} is ${user.role}: a token never has more rights than its user`
    )
  }
  const secret = newSecret('token')
  const token = await store.createToken({
    id: newId('tok'),
    name: request.name,
    userId: user.id,
    role: request.role,
    hash: hashSecret(secret),
    createdAt: now.toISOString(),
    ...(request.expiresAt !== undefined ? { expiresAt: request.expiresAt.toISOString() } : {}),
  })
  return { token, secret, user, createdOwner: created }
}

async function tokenUser(
  store: Store,
  name: string | undefined,
  now: Date
): Promise<{ user: User; created: boolean }> {
  const users = await store.listUsers()
  if (users.length === 0 && (name === undefined || name === 'owner')) {
    // The bootstrap owner, as the server's first start would make it (without a login code:
    // nobody would see it; `ordeal server --reset-login` prints one).
    const user = await store.createUser({
      id: newId('usr'),
      name: 'owner',
      role: 'owner',
      createdAt: now.toISOString(),
    })
    return { user, created: true }
  }
  const user =
    name !== undefined
      ? users.find((u) => u.name === name)
      : users
          .filter((u) => u.role === 'owner')
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0]
  if (user === undefined) {
    throw new OfflineTokenError(
      name !== undefined ? `no user named ${name}` : 'no owner in the store'
    )
  }
  return { user, created: false }
}
