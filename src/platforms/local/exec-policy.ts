/**
 * How ordeal runs the commands an experiment supplies (services, `cmd` probes, `cmd` readiness):
 * with which environment and as which user. The supervisor, the cmd probe and readiness all
 * build their spawn through {@link launcherFor}, so no user string escapes this one place.
 * ordeal's own privileged actions (namespaces, iptables, tc, signals) never go through it.
 * @module
 */
import { existsSync } from 'node:fs'
import { userEnv } from './exec-env.js'
import { joinCgroupArgv } from '../../safety/run-cgroup.js'
import type { RunUser } from './run-user.js'

export { ENV_ALLOWLIST, scrubbedEnv } from './exec-env.js'
export type { RunUser } from './run-user.js'

export interface ExecPolicy {
  /**
   * `scrubbed`: only {@link ENV_ALLOWLIST} of ordeal's environment, plus what the manifest sets;
   * `inherit`: ordeal's whole environment (`ordeal run --inherit-env`).
   */
  env: 'scrubbed' | 'inherit'
  /** Commands run as this user; absent: as ordeal's own user. */
  user?: RunUser
  /** HOME for a user whose own home does not exist (a system user's): the run's work dir. */
  fallbackHome?: string
  /**
   * The users and groups a service's `user:` / `group:` may name. Absent: any (`ordeal run` on
   * your own terminal: you could run them yourself). A Chaos Center sets it (empty unless
   * `--allow-service-user`), since an editor's manifest must not pick `user: root` or
   * `group: disk` and so get past `--run-as`.
   */
  serviceUsers?: readonly string[]
  /**
   * The run's cgroup directory (run-cgroup.ts): every command starts inside it, so teardown can
   * kill what escaped its process group. Absent: no writable cgroup2, process groups only.
   */
  cgroup?: string
}

/** The default for ordeal's own runs: its own user, scrubbed environment. */
export const kScrubbedPolicy: ExecPolicy = { env: 'scrubbed' }

export interface Launch {
  command: string
  args: string[]
  env: NodeJS.ProcessEnv
}

/**
 * Turns `argv` (program first) and the manifest's own variables into what to spawn. `place`
 * wraps the argv after the privilege drop and inside the cgroup join: `ip netns exec` for a
 * replica on a host (entering a namespace needs root; its fresh /sys has no cgroups). `late`
 * are variables for the command only, never for a wrapper: a preload's LD_PRELOAD and control
 * variables (see {@link launcherFor}).
 */
export interface Launcher {
  (
    argv: readonly string[],
    own?: Record<string, string>,
    place?: (argv: string[]) => string[],
    late?: Record<string, string>
  ): Launch
  /** The user commands run as, when it is not ordeal's own (files are then read as it). */
  readonly foreignUser?: RunUser
}

/**
 * The launcher of `policy`, optionally as another user (a service's `user:`/`group:`).
 *
 * Dropping privileges goes through util-linux `setpriv --reuid --regid --init-groups`, not
 * Node's `uid`/`gid` spawn options: a replica on a host is spawned as `ip netns exec NS ...`,
 * which needs root to enter the namespace, so the drop must happen after it, inside the argv;
 * and `--init-groups` gives the user its own supplementary groups, never root's. `setpriv` execs
 * the command, so the pid ordeal recorded is the command's.
 *
 * The loader's variables (the manifest's own `LD_*` and everything in `late`) must not reach
 * the wrappers that run before the drop (the cgroup join's `sh`, `ip netns exec`, `setpriv`,
 * as ordeal's user, root): they would load the run author's objects, or libfiu/libfaketime,
 * as root. When the command is wrapped they go in the argv after the drop instead
 * (`setpriv … -- env K=V … cmd args`; `env` execs the command, so the pid stays the command's).
 * A bare command gets them in its spawn environment.
 */
export function launcherFor(policy: ExecPolicy, as: RunUser | undefined = policy.user): Launcher {
  const launch = (
    argv: readonly string[],
    own: Record<string, string> = {},
    place: (argv: string[]) => string[] = (placed) => placed,
    late: Record<string, string> = {}
  ): Launch => {
    const env = policy.env === 'inherit' ? { ...process.env } : userEnv(as, homeOf(as, policy))
    const vars = { ...own, ...late }
    const wrap = (inner: readonly string[]): string[] => {
      const placed = place(dropTo(as, inner))
      return policy.cgroup === undefined ? placed : joinCgroupArgv(policy.cgroup, placed)
    }
    const bare = wrap(argv)
    if (bare.length === argv.length || Object.keys(vars).length === 0) {
      const full = bare
      return { command: full[0]!, args: full.slice(1), env: { ...env, ...vars } }
    }
    // Wrapped: the cgroup join's sh, `ip netns exec` and `setpriv` run as ordeal's user (root)
    // before the drop, and must not see the manifest's variables: a PATH naming the run
    // author's own `setpriv` or `ip`, or an LD_PRELOAD, would run their code as root. `env`,
    // the last link, sets them for the command alone (it execs it: the pid stays the command's),
    // with the preloads' variables (`late`), which must not load into the root wrappers either.
    const full = wrap(afterDrop(vars, argv))
    return { command: full[0]!, args: full.slice(1), env }
  }
  const foreign = as !== undefined && dropTo(as, []).length > 0
  return foreign ? Object.assign(launch, { foreignUser: as }) : launch
}

/** `env K=V … argv`: `vars` set by the last link before the command, after any privilege drop. */
export function afterDrop(vars: Record<string, string>, argv: readonly string[]): string[] {
  const [command] = argv
  if (command === undefined || command.includes('=')) {
    // `env` would read a program path with '=' in it as one more variable.
    throw new Error(`cannot launch '${command ?? ''}' with its variables: its path contains '='`)
  }
  const bad = Object.keys(vars).find((key) => key === '' || key.includes('='))
  if (bad !== undefined) {
    throw new Error(`cannot set the variable '${bad}' for '${command}': a name cannot contain '='`)
  }
  return ['env', ...Object.entries(vars).map(([key, value]) => `${key}=${value}`), ...argv]
}

/** `argv` prefixed with the privilege drop to `user`, when ordeal is not that user already. */
export function dropTo(user: RunUser | undefined, argv: readonly string[]): string[] {
  if (user === undefined || (user.uid === process.getuid?.() && user.gid === process.getgid?.())) {
    return [...argv]
  }
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', ...argv]
}

function homeOf(user: RunUser | undefined, policy: ExecPolicy): string | undefined {
  if (user === undefined) {
    return undefined
  }
  return existsSync(user.home) ? user.home : (policy.fallbackHome ?? '/')
}
