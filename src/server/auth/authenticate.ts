/**
 * Bearer-token authentication and role checks for every non-public route. The secret is hashed
 * and looked up (never compared in memory); one-time login codes are refused as bearer tokens;
 * the effective role is the lower of the token's and its user's; an agent token passes only
 * routes of access `agent`, and only while its user is an owner; last-use times are written at
 * most once a minute per token so that a busy UI does not turn every read into a write.
 * @module
 */
import type { Access, Caller } from '../http/route.js'
import { HttpError } from '../http/route.js'
import type { Store } from '../store/contract.js'
import { atLeast, lowerRole } from './roles.js'
import { hashSecret, secretKind } from './secrets.js'

const TOUCH_EVERY_MS = 60_000

export type Authenticate = (
  authorization: string | undefined,
  access: Access
) => Promise<Caller | undefined>

export function createAuthenticator(store: Store, now = () => new Date()): Authenticate {
  const touched = new Map<string, number>()
  return async (authorization, access) => {
    if (access === 'public') {
      return undefined
    }
    if (authorization === undefined || authorization.trim() === '') {
      throw new HttpError(401, 'unauthorized', 'missing bearer token')
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
    if (!match) {
      throw new HttpError(401, 'unauthorized', "the Authorization header must be 'Bearer <token>'")
    }
    if (secretKind(match[1]!) !== 'token') {
      throw new HttpError(
        401,
        'unauthorized',
        secretKind(match[1]!) === 'login'
          ? 'a login code is not a token: open it as /login?code=… to get a session'
          : 'invalid or expired token'
      )
    }
    const at = now()
    const token = await store.findToken(hashSecret(match[1]!), at.toISOString())
    if (!token || token.oneTime) {
      throw new HttpError(401, 'unauthorized', 'invalid or expired token')
    }
    const role = lowerRole(token.role, token.user.role)
    if (role === 'agent' && token.user.role !== 'owner') {
      // Only owners create agent tokens; demoting the owner must demote them too, and there
      // is no role below `agent` to lower them to. The Fleet disconnects them on demotion.
      throw new HttpError(
        403,
        'forbidden',
        `agent tokens belong to owners; user ${token.user.name} is ${token.user.role}`
      )
    }
    if (!atLeast(role, access)) {
      throw new HttpError(403, 'forbidden', `requires role ${access}; token has ${role}`)
    }
    const last = Math.max(
      touched.get(token.id) ?? 0,
      token.lastUsedAt ? Date.parse(token.lastUsedAt) : 0
    )
    if (at.getTime() - last >= TOUCH_EVERY_MS) {
      touched.set(token.id, at.getTime())
      await store.touchToken(token.id, at.toISOString())
    }
    return { user: token.user, token, role }
  }
}
