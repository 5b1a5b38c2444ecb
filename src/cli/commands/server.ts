/**
 * `ordeal server`: the Chaos Center (API, web UI, store, embedded agent) until SIGINT/SIGTERM.
 * Stdout carries exactly what a person or a script needs (`Chaos Center: URL`, and on the first
 * start or `--reset-login` the one-time `login:` link); log lines go to stderr. Exit 0 after a
 * graceful stop (runs aborted, faults rolled back), 2 for bad flags, 3 when it cannot start.
 * @module
 */
import { spawnSync } from 'node:child_process'
import { statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseRateLimits } from '../../server/http/rate-limits.js'
import { isPostgresUrl, redactUrl } from '../../server/store/open.js'
import { isLoopback, startServer } from '../../server/server.js'
import { serverCluster } from './agent-cluster.js'
import { resetLoginOfRunningServer, StoreMismatchError } from '../../server/reset-login.js'
import type { RunningServer } from '../../server/server.js'
import { EXIT_USAGE } from '../exit.js'
import { packageRoot } from '../../server/package-root.js'
import { dropTo } from '../../platforms/local/exec-policy.js'
import { parseDuration } from '../../shared/duration.js'
import type { RunUser } from '../../platforms/local/run-user.js'
import { parseFleetFlags, type FleetFlags } from './server-fleet-flags.js'
import { resolveRunAs } from '../run-as.js'

export interface ServerCommandOptions extends FleetFlags {
  host: string
  port: string
  data?: string
  resetLogin?: boolean
  rateLimit?: string
  /** `--trust-proxy`: reverse proxies (addresses/CIDRs) whose X-Forwarded-For is believed. */
  trustProxy?: string
  /** `--run-as`: who experiments' commands run as. @default 'ordeal' as root; required otherwise */
  runAs?: string
  /** `--allow-service-user`: names a service's `user:`/`group:` may take. */
  allowServiceUser?: string[]
  /** `--record-idle-timeout`: a silent recorded run is interrupted after this long. */
  recordIdleTimeout?: string
  /** `--kubeconfig` / `--context`: the cluster of runs with spec.system.kubernetes. */
  kubeconfig?: string
  context?: string
}

export function defaultDataDir(): string {
  return path.join(os.homedir(), '.ordeal', 'server')
}

export async function serverCommand(options: ServerCommandOptions): Promise<number> {
  const port = Number(options.port)
  if (!/^\d+$/.test(options.port) || port > 65535) {
    process.stderr.write(`ordeal server: --port '${options.port}' must be a port from 0 to 65535\n`)
    return EXIT_USAGE
  }
  if (options.host.trim() === '') {
    process.stderr.write('ordeal server: --host must not be empty\n')
    return EXIT_USAGE
  }
  const rateLimits = options.rateLimit !== undefined ? parseRateLimits(options.rateLimit) : {}
  if (typeof rateLimits === 'string') {
    process.stderr.write(`ordeal server: --rate-limit: ${rateLimits}\n`)
    return EXIT_USAGE
  }
  const recordIdleMs =
    options.recordIdleTimeout !== undefined ? parseDuration(options.recordIdleTimeout) : undefined
  if (
    options.recordIdleTimeout !== undefined &&
    !(recordIdleMs !== undefined && recordIdleMs > 0)
  ) {
    process.stderr.write(
      `ordeal server: --record-idle-timeout '${options.recordIdleTimeout}' must be a duration like 10m\n`
    )
    return EXIT_USAGE
  }
  const fleet = parseFleetFlags(options)
  if (typeof fleet === 'string') {
    process.stderr.write(`ordeal server: ${fleet}\n`)
    return EXIT_USAGE
  }
  const databaseUrl = process.env['DATABASE_URL'] || undefined
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl)) {
    process.stderr.write('ordeal server: DATABASE_URL must be a postgres:// or postgresql:// URL\n')
    return EXIT_USAGE
  }
  const dataDir = path.resolve(expandHome(options.data ?? defaultDataDir()))
  const notADir = notADirectory(dataDir)
  if (notADir !== undefined) {
    process.stderr.write(`ordeal server: --data '${dataDir}' ${notADir}\n`)
    return EXIT_USAGE
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`)
  if (options.resetLogin) {
    // A server already running on this data directory: a new link for it, no second server.
    try {
      const reset = await resetLoginOfRunningServer({
        dataDir,
        ...(databaseUrl !== undefined ? { databaseUrl } : {}),
      })
      if (reset !== undefined) {
        log(`a Chaos Center is running on ${dataDir} (${reset.url}): issued a new owner login link`)
        process.stdout.write(`Chaos Center: ${reset.url}\nlogin: ${reset.loginLink}\n`)
        return 0
      }
    } catch (error) {
      process.stderr.write(`ordeal server: --reset-login: ${oneLine(error)}\n`)
      return error instanceof StoreMismatchError ? EXIT_USAGE : 3
    }
  }
  // Only a server that starts runs experiments' commands: --reset-login beside one needs no --run-as.
  const runAs = resolveRunAs(options.runAs)
  if (typeof runAs === 'string') {
    process.stderr.write(`ordeal server: ${runAs}\n`)
    return EXIT_USAGE
  }
  const cluster = serverCluster(options)
  if (typeof cluster === 'string') {
    process.stderr.write(`ordeal server: ${cluster}\n`)
    return EXIT_USAGE
  }
  if (!isLoopback(options.host)) {
    process.stderr.write(
      `warning: --host ${options.host} is not loopback: the Chaos Center is reachable from the ` +
        `network (every state change still needs a token; ${fleet.tls !== undefined ? 'served over TLS' : 'put TLS in front of it, or --tls-cert/--tls-key'})\n`
    )
  }
  // Listen for signals before starting, so a Ctrl+C during start-up still ends gracefully.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  let server: RunningServer
  try {
    server = await startServer({
      host: options.host,
      port,
      dataDir,
      ...(databaseUrl !== undefined ? { databaseUrl } : {}),
      resetLogin: options.resetLogin ?? false,
      rateLimits,
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      runAs,
      cluster,
      serviceUsers: (options.allowServiceUser ?? []).flatMap((list) =>
        list.split(',').filter((name) => name !== '')
      ),
      ...(recordIdleMs !== undefined ? { recordIdleMs } : {}),
      ...fleet,
      onLog: log,
    })
  } catch (error) {
    const where = databaseUrl !== undefined ? redactUrl(databaseUrl) : dataDir
    process.stderr.write(
      `ordeal server: cannot start on ${options.host}:${port} (${where}): ${oneLine(error)}\n`
    )
    return 3
  }
  // One write: whoever reads the URL line (a script, a test) finds the login line with it.
  process.stdout.write(
    `Chaos Center: ${server.url}\n${server.loginLink !== undefined ? `login: ${server.loginLink}\n` : ''}`
  )
  log(`store: ${databaseUrl !== undefined ? redactUrl(databaseUrl) : dataDir}`)
  log(`experiments' commands run as ${runAs.name} (uid ${runAs.uid}), scrubbed environment`)
  if (!readableAs(runAs, path.join(packageRoot(), 'package.json'))) {
    log(
      `warning: ${runAs.name} cannot read ordeal's installation (${packageRoot()}): runs that ` +
        'start its examples or sql probes will fail; install it where every user can read it'
    )
  }
  if (runAs.uid !== 0 && runAs.uid === process.getuid?.()) {
    log(
      `warning: the server runs as ${runAs.name} too, so experiments' commands can reach its ` +
        'data directory; start it as root (commands then run as --run-as, default ordeal)'
    )
  }
  const signal = await stopped
  log(`${signal}: aborting runs (faults rolled back), then closing`)
  // A second signal while rolling back ends the process at once (DESIGN.md invariant 4).
  const again = () => {
    process.stderr.write('ordeal server: second signal, exiting now\n')
    process.exit(130)
  }
  process.once('SIGINT', again)
  process.once('SIGTERM', again)
  await server.close()
  log('stopped')
  return 0
}

/**
 * Why `dir` cannot be the data directory, when the cause is the argument itself (bad input,
 * exit 2): a regular file, or a path through one. Absent is fine: the server creates it.
 */
function notADirectory(dir: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    let stat
    try {
      stat = statSync(at)
    } catch {
      if (path.dirname(at) === at) {
        return undefined
      }
      continue
    }
    if (stat.isDirectory()) {
      return undefined
    }
    return at === dir ? 'is a file, not a directory' : `is inside '${at}', which is a file`
  }
}

/** `~/x` as the default value (no shell expanded it) and from config-less scripts. */
function expandHome(dir: string): string {
  return dir === '~' || dir.startsWith('~/') ? path.join(os.homedir(), dir.slice(1)) : dir
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/\s*[\r\n]+\s*/g, ' ')
}

/** Whether `user` can read `file` (asked as that user: its groups and every directory on the way). */
function readableAs(user: RunUser, file: string): boolean {
  const [command, ...args] = dropTo(user, ['test', '-r', file])
  return spawnSync(command!, args, { stdio: 'ignore' }).status === 0
}
