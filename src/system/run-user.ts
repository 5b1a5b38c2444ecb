/**
 * Users and groups that user-supplied commands run as, looked up through the system's name
 * service (`getent`, so LDAP/sssd users work as well as /etc/passwd ones).
 * @module
 */
import { execFileSync } from 'node:child_process'

export interface RunUser {
  name: string
  uid: number
  gid: number
  home: string
}

/** `name` (or a numeric uid) from the passwd database; undefined when there is no such user. */
export function lookupUser(name: string): RunUser | undefined {
  const fields = getent('passwd', name)
  if (fields === undefined) {
    return undefined
  }
  const [user, , uid, gid, , home] = fields
  return { name: user!, uid: Number(uid), gid: Number(gid), home: home ?? '/' }
}

/** The gid of group `name` (or a numeric gid); undefined when there is no such group. */
export function lookupGroup(name: string): number | undefined {
  const fields = getent('group', name)
  return fields === undefined ? undefined : Number(fields[2])
}

/** `user` with its primary group replaced by `group` (a service's `group:`). */
export function withGroup(user: RunUser, group: string | undefined): RunUser {
  if (group === undefined) {
    return user
  }
  const gid = lookupGroup(group)
  if (gid === undefined) {
    throw new Error(`no group named '${group}' on this machine`)
  }
  return { ...user, gid }
}

/** Resolves `user:` / `group:` of a service; throws a one-line reason naming the missing one. */
export function resolveServiceUser(user: string, group?: string): RunUser {
  const found = lookupUser(user)
  if (found === undefined) {
    throw new Error(`no user named '${user}' on this machine`)
  }
  return withGroup(found, group)
}

function getent(database: 'passwd' | 'group', key: string): string[] | undefined {
  // Names with ':' or a newline cannot be in the database, and must not reach getent's output.
  if (key === '' || /[:\n\0]/.test(key)) {
    return undefined
  }
  try {
    const line = execFileSync('getent', [database, key], { encoding: 'utf8' }).split('\n')[0]
    return line ? line.split(':') : undefined
  } catch {
    return undefined // exit 2: no such entry
  }
}
