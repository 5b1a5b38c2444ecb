/**
 * First start: a server with no users gets an `owner` and a one-time login code, printed once
 * on stdout by the caller. Later starts print nothing secret; `--reset-login` issues a new code
 * for the owner (the way back in when the link was lost). An earlier unused code stays valid
 * until it expires (24 h): the store does not list one-time codes, so it cannot revoke them.
 * @module
 */
import type { User } from '../../shared/api.js'
import type { Store } from '../store/contract.js'
import { issueLoginCode } from './login.js'
import { newId } from './secrets.js'

export interface Bootstrap {
  /** Set when a login code was issued on this start. */
  code?: string
  /** True when the owner was created now. */
  created: boolean
}

export async function bootstrapAuth(
  store: Store,
  options: { resetLogin?: boolean; now?: Date } = {}
): Promise<Bootstrap> {
  const now = options.now ?? new Date()
  if ((await store.countUsers()) === 0) {
    const owner = await store.createUser({
      id: newId('usr'),
      name: 'owner',
      role: 'owner',
      createdAt: now.toISOString(),
    })
    return { code: await issueLoginCode(store, owner, now), created: true }
  }
  if (!options.resetLogin) {
    return { created: false }
  }
  const owner = await firstOwner(store)
  // A new link replaces any older one still unused: only the last printed link works.
  await store.deleteLoginCodes(owner.id)
  return { code: await issueLoginCode(store, owner, now), created: false }
}

/** The oldest owner: the bootstrap owner unless it was deleted after others were made. */
async function firstOwner(store: Store): Promise<User> {
  const owners = (await store.listUsers())
    .filter((u) => u.role === 'owner')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
  if (owners[0] === undefined) {
    // Unreachable through the API (the last owner cannot be deleted or demoted).
    throw new Error('the store has users but no owner')
  }
  return owners[0]
}
