/**
 * The environment user-supplied commands start from: a short allowlist of ordeal's own, so a
 * `cmd` probe cannot read the server's secrets (`DATABASE_URL`, tokens, cloud credentials) and
 * write them into a journal that viewers read. Anything else a command needs, the manifest says
 * in its own `env:`.
 * @module
 */
import type { RunUser } from './run-user.js'

/**
 * What is kept: where programs are, the locale and time zone, the terminal type and the temp
 * dir. `HOME`, `USER` and `LOGNAME` are the run user's when commands run as another user.
 */
export const ENV_ALLOWLIST = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TERM',
  'TMPDIR',
] as const

/** The allowlisted part of `from`. */
export function scrubbedEnv(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {}
  for (const key of ENV_ALLOWLIST) {
    const value = from[key]
    if (value !== undefined) {
      env[key] = value
    }
  }
  // A command needs a PATH even when ordeal was started without one (systemd, cron).
  env['PATH'] ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  return env
}

/** The scrubbed environment, as `user` (who, HOME) when given. */
export function userEnv(user: RunUser | undefined, home: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = scrubbedEnv()
  if (user !== undefined) {
    env['USER'] = user.name
    env['LOGNAME'] = user.name
    if (home !== undefined) {
      env['HOME'] = home
    }
    // ordeal's own TMPDIR may be private to it (pam_tmpdir); the system one is shared.
    delete env['TMPDIR']
  }
  return env
}
