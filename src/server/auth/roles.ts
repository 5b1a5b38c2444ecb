/**
 * Role order (viewer < editor < owner), and `agent` outside it. A token's effective role is the
 * lower of its own role and its user's current role, so demoting a user immediately demotes
 * every token it holds. An agent token (issue 14) is neither more nor less than a viewer: it may
 * only receive its own work and post its own runs' events, so a route admits it only when the
 * route's access is `agent`, and a route of access `agent` admits nothing else, not even an
 * owner (an owner's session must never pose as an agent).
 * @module
 */
import type { Role } from '../../shared/api.js'
import { ROLES } from '../../shared/api.js'

/** 0 viewer, 1 editor, 2 owner; -1 for `agent`, which is outside the ranking. */
export const roleRank = (role: Role): number => ROLES.indexOf(role)

/** Whether a token acting as `role` may use a route that needs `least`. */
export const atLeast = (role: Role, least: Role): boolean =>
  role === 'agent' || least === 'agent' ? role === least : roleRank(role) >= roleRank(least)

/**
 * The role a token acts with: the lower of its own and its user's. An agent token stays an
 * agent token whatever its user's role (authenticate.ts refuses it once its user is no longer
 * an owner); a user's role is never `agent`.
 */
export const lowerRole = (token: Role, user: Role): Role =>
  token === 'agent' || user === 'agent' ? 'agent' : roleRank(token) <= roleRank(user) ? token : user
