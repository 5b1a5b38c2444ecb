/**
 * Role order (viewer < editor < owner). A token's effective role is the lower of its own role
 * and its user's current role, so demoting a user immediately demotes every token it holds.
 * @module
 */
import type { Role } from '../../shared/api.js'
import { ROLES } from '../../shared/api.js'

export const roleRank = (role: Role): number => ROLES.indexOf(role)

export const atLeast = (role: Role, least: Role): boolean => roleRank(role) >= roleRank(least)

export const lowerRole = (a: Role, b: Role): Role => (roleRank(a) <= roleRank(b) ? a : b)
