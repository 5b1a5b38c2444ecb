/**
 * Launchers that drop to the `ordeal` run user, for tests of what ordeal does as that user on a
 * manifest's behalf (SQL queries, file reads). Only root can drop: elsewhere they are undefined
 * and such tests skip.
 * @module
 */
import { launcherFor } from '../../src/platforms/local/exec-policy.js'
import type { Launcher } from '../../src/platforms/local/exec-policy.js'
import { lookupUser } from '../../src/platforms/local/run-user.js'
import type { RunUser } from '../../src/platforms/local/run-user.js'

/** The `ordeal` user, when this process is root and the user exists (scripts/system-deps.sh). */
export const runUser: RunUser | undefined =
  process.getuid?.() === 0 ? lookupUser('ordeal') : undefined

/** Launches as the run user with a scrubbed environment, as a Chaos Center does. */
export function runUserLauncher(user: RunUser): Launcher {
  return launcherFor({ env: 'scrubbed', user })
}

/**
 * A run-user launcher that runs `after` (a shell line, as the run user) once each launched
 * command has ended: a hostile service acting between ordeal's check and its use.
 */
export function launcherThenRun(user: RunUser, after: string): Launcher {
  const base = runUserLauncher(user)
  const script = `"$@"; status=$?; ${after}; exit $status`
  const launch = (argv: readonly string[], own?: Record<string, string>) =>
    base(['sh', '-c', script, 'sh', ...argv], own)
  return Object.assign(launch, { foreignUser: user })
}
