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

/**
 * Throws when `spec` names a user or group its policy does not allow (see
 * `ExecPolicy.serviceUsers`). Root, by name or id, is refused unless the run user is root.
 */
export function checkServiceUser(
  spec: { user?: string | undefined; group?: string | undefined },
  policy: { user?: RunUser; serviceUsers?: readonly string[] }
): void {
  const allowed = policy.serviceUsers
  // Commands already run as root (an explicit --run-as root): no user is worth more.
  if (allowed === undefined || policy.user?.uid === 0) {
    return
  }
  for (const [field, name] of [
    ['user', spec.user],
    ['group', spec.group],
  ] as const) {
    if (name === undefined) {
      continue
    }
    const id = field === 'user' ? lookupUser(name)?.uid : lookupGroup(name)
    if (id === 0) {
      throw new Error(`${field}: '${name}' is root, which this Chaos Center does not allow`)
    }
    if (!allowed.includes(name)) {
      throw new Error(
        `${field}: '${name}' is not allowed on this Chaos Center (its owner allows ` +
          `${allowed.length > 0 ? allowed.join(', ') : 'none'}; ordeal server --allow-service-user)`
      )
    }
  }
}
