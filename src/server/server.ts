/**
 * Starts a Chaos Center in this process: store, auth bootstrap, agent, routes, listener. Used
 * by `ordeal server` and by tests. Loopback by default (DESIGN.md safety invariant 6); every
 * state change needs a token. Runs left `running` by a previous process become `interrupted`:
 * their faults were rolled back by that process's watchdog, or, when it died too, by the
 * start-up recovery here (startup-recovery.ts), before the server accepts work.
 * @module
 */
import { systemClock, type Clock } from './continuous/clock.js'
import { createExperimentChanges } from './continuous/changes.js'
import { createRunEndedHub, withRunEnded } from './continuous/run-ended.js'
import { createSchedules } from './schedules/index.js'
import { createGitSources } from './git/index.js'
import { createTriggers } from './triggers/index.js'
import { createNotifier } from './notifications/index.js'
import type { ContinuousDeps } from './continuous/deps.js'
import type { RunUser } from '../platforms/local/run-user.js'
import { secureDataDir, tighten } from './data-dir.js'
import { createAgent, createRecorder, createRunBus } from './agent/index.js'
import {
  createFleet,
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_QUEUE_TIMEOUT_MS,
} from './fleet/index.js'
import { buildApp } from './app.js'
import { coordinate } from '../platforms/agent/coordinator/coordinate.js'
import { bootstrapAuth } from './auth/bootstrap.js'
import { loginLink as formatLoginLink } from './auth/login.js'
import type { Fleet, ServerContext } from './context.js'
import { loadHubTemplates } from './hub/index.js'
import { createServerMetrics } from './metrics/index.js'
import { packageRoot, packageVersion } from './package-root.js'
import { allRoutes } from './routes/index.js'
import { openStore } from './store/open.js'
import type { RateLimits } from './http/rate-limits.js'
import { recoverOnStart } from './startup-recovery.js'
import { lockDataDir, storeIdentity, type LockInfo } from './server-lock.js'
import { redactUrl } from './store/open.js'
import type { Store } from './store/contract.js'
import type { ClusterGrant } from '../engine/kubernetes-system.js'

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_PORT = 7700

export interface ServerOptions {
  host?: string
  port?: number
  dataDir: string
  databaseUrl?: string
  /** Issue a new one-time login code for the owner (`ordeal server --reset-login`). */
  resetLogin?: boolean
  /** Request rate limits (defaults: DEFAULT_RATE_LIMITS). */
  rateLimits?: Partial<RateLimits>
  /** Addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed. */
  trustProxy?: string
  /**
   * The user experiments' commands run as (`--run-as`). Absent: the server's own user, still
   * with a scrubbed environment and outside the data directory.
   */
  runAs?: RunUser
  /** Users/groups a service's `user:`/`group:` may name (`--allow-service-user`). @default [] */
  serviceUsers?: readonly string[]
  /** The cluster runs with spec.system.kubernetes use (`--kubeconfig`); absent: none. */
  cluster?: ClusterGrant
  /** A recorded run that sends nothing for this long is interrupted (default 10 min). */
  recordIdleMs?: number
  /** Events held past gaps over all recorded runs before out-of-order batches get 503. */
  maxHeldEvents?: number
  /** Server log lines (default: stderr). */
  onLog?: (line: string) => void
  /** Serve HTTPS with this certificate and key, PEM (`--tls-cert`, `--tls-key`). */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** Remote agents are pinged this often; 2 missed = disconnected. @default 5000 */
  agentHeartbeatMs?: number
  /** Default lease of runs placed on agents. @default 30000 */
  agentLeaseMs?: number
  /** Default time a placed run waits for its agent. @default 600000 */
  queueTimeoutMs?: number
  /**
   * Tests only: a stand-in for the fleet of remote agents, so the run routes can be tested
   * against a real server without agent processes. Never set by `ordeal server`.
   */
  fleetForTests?: (ctx: ServerContext) => Fleet
  /**
   * Tests only: the clock of schedules, debounce windows, git polls and notification retries
   * (test/support/manual-clock.ts moves it by hand). Default: the system clock.
   */
  clock?: Clock
}

export interface RunningServer {
  url: string
  /** Only when a login code was issued on this start (first start, or resetLogin). */
  loginLink?: string
  ctx: ServerContext
  close(): Promise<void>
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** The URL people open: a wildcard bind is reached through loopback on this machine. */
function urlFor(host: string, port: number, tls = false): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return `${tls ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${port}`
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST
  const port = options.port ?? DEFAULT_PORT
  const log = options.onLog ?? ((line: string) => process.stderr.write(`${line}\n`))
  // Hub templates point at files shipped with the package through ${ORDEAL_HOME}.
  process.env['ORDEAL_HOME'] ??= packageRoot()
  secureDataDir(options.dataDir)
  // Before the store: a second server must not recover, interrupt or undo the first one's runs.
  const lock = lockDataDir(options.dataDir, storeIdentity(options.databaseUrl))
  if ('heldBy' in lock) {
    throw new ServerRunningError(options.dataDir, lock.heldBy)
  }

  let store: Store
  try {
    store = await openStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl })
  } catch (error) {
    lock.release()
    throw error
  }
  try {
    // One server per database too (PostgreSQL: another host or data directory may share it),
    // before anything that would interrupt or undo that server's runs.
    if (!(await store.holdServerLock())) {
      throw new DatabaseInUseError(redactUrl(options.databaseUrl ?? ''))
    }
    // Before any work: undo what dead runs (server and watchdog killed together) left behind.
    await recoverOnStart(store, log)
    // The database file SQLite just created (its WAL and shm files take its mode).
    tighten(options.dataDir)
    const interrupted = await store.interruptRunning(new Date().toISOString())
    if (interrupted.length > 0) {
      log(`${interrupted.length} run(s) left running by a previous server marked interrupted`)
    }
    const auth = await bootstrapAuth(store, { resetLogin: options.resetLogin ?? false })
    if (auth.created) {
      log('created user owner (first start)')
    }

    const tls = options.tls !== undefined
    let baseUrl = urlFor(host, port, tls)
    const bus = createRunBus()
    const runEnded = createRunEndedHub(log)
    const metrics = withRunEnded(createServerMetrics(), runEnded)
    const exec = {
      env: 'scrubbed' as const,
      ...(options.runAs !== undefined ? { user: options.runAs } : {}),
      serviceUsers: options.serviceUsers ?? [],
    }
    const deps = {
      store,
      bus,
      metrics,
      exec,
      log,
      ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    }
    const recorder = createRecorder({
      ...deps,
      ...(options.recordIdleMs !== undefined ? { idleMs: options.recordIdleMs } : {}),
      ...(options.maxHeldEvents !== undefined ? { maxHeld: options.maxHeldEvents } : {}),
    })
    // One recorder for both paths: ending a run (finish or abort) frees its state in one place.
    const agent = createAgent({ ...deps, recorder })
    const fleet = createFleet({
      store,
      recorder,
      bus,
      metrics,
      log,
      settings: {
        heartbeatMs: options.agentHeartbeatMs ?? DEFAULT_HEARTBEAT_MS,
        leaseMs: options.agentLeaseMs ?? DEFAULT_LEASE_MS,
        queueTimeoutMs: options.queueTimeoutMs ?? DEFAULT_QUEUE_TIMEOUT_MS,
      },
      coordinate,
      // In-cluster agents' deploys (issue 16 §3); read lazily: ctx is built below.
      onWorkloadChanged: (event) => ctx.triggers.deliver(event),
    })
    // Before listening: the queue and the agent runs' leases come back from the store.
    await fleet.start()
    const clock = options.clock ?? systemClock
    const changes = createExperimentChanges(log)
    // Continuous chaos (issue 16): the services read the context lazily (never while being
    // built), and start once the listener is up (a catch-up tick or a git sync may start runs).
    const continuous: ContinuousDeps = {
      get ctx() {
        return ctx
      },
      clock,
      changes,
      runEnded,
    }
    const ctx: ServerContext = {
      store,
      agent,
      fleet,
      recorder,
      bus,
      metrics,
      hub: loadHubTemplates(),
      clock,
      changes,
      runEnded,
      schedules: createSchedules(continuous),
      gitSources: createGitSources(continuous, { dataDir: options.dataDir }),
      triggers: createTriggers(continuous),
      notifier: createNotifier(continuous),
      baseUrl: () => baseUrl,
      log,
      startedAt: Date.now(),
      version: packageVersion(),
    }
    if (options.fleetForTests !== undefined) {
      ctx.fleet = options.fleetForTests(ctx)
    }
    let listeningPort = port
    const app = buildApp(ctx, allRoutes, {
      ...(isLoopback(host) ? { loopbackPort: () => listeningPort } : {}),
      ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      ...(options.tls !== undefined ? { https: options.tls } : {}),
    })
    try {
      await app.listen({ host, port })
    } catch (error) {
      await fleet.shutdown()
      await agent.shutdown()
      await app.close()
      throw error
    }
    const address = app.server.address()
    listeningPort = typeof address === 'object' && address ? address.port : port
    baseUrl = urlFor(host, listeningPort, tls)
    lock.listening(baseUrl)
    try {
      await ctx.notifier.start()
      await ctx.triggers.start()
      await ctx.schedules.start()
      await ctx.gitSources.start()
    } catch (error) {
      await stopContinuous(ctx)
      await fleet.shutdown()
      await agent.shutdown()
      await app.close()
      throw error
    }

    let closing: Promise<void> | undefined
    return {
      url: baseUrl,
      ...(auth.code !== undefined ? { loginLink: formatLoginLink(baseUrl, auth.code) } : {}),
      ctx,
      close() {
        closing ??= (async () => {
          // No new tick, trigger, sync or retry starts a run while the rest shuts down.
          await stopContinuous(ctx)
          // Faults first: a run's rollback must not wait behind HTTP connections. The agent
          // refuses new starts from here on (503) and awaits those already past startRun.
          await agent.shutdown()
          // Agents hear why (1001) before the listener goes; their runs go on.
          await fleet.shutdown()
          await app.close()
          // Recorded runs' last batches, before the store goes.
          await recorder.flushAll()
          await store.close()
          lock.release()
        })()
        return closing
      },
    }
  } catch (error) {
    await store.close()
    lock.release()
    throw error
  }
}

async function stopContinuous(ctx: ServerContext): Promise<void> {
  await ctx.gitSources.stop()
  await ctx.schedules.stop()
  await ctx.triggers.stop()
  await ctx.notifier.stop()
}

/** Another server holds the data directory (its lock): this one does not start. */
export class ServerRunningError extends Error {
  override name = 'ServerRunningError'
  constructor(
    dataDir: string,
    readonly heldBy: LockInfo
  ) {
    super(
      `a Chaos Center is already running on ${dataDir}` +
        `${heldBy.url !== undefined ? ` at ${heldBy.url}` : ''}` +
        `${heldBy.pid > 0 ? ` (pid ${heldBy.pid})` : ''}; stop it first ` +
        '(--reset-login gives a new login link for it without stopping it)'
    )
  }
}

/** Another server serves this PostgreSQL database (from another host or data directory). */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError'
  constructor(database: string) {
    super(
      `a Chaos Center is already running on the database ${database} (from another data ` +
        'directory or host); stop it first, or run --reset-login where it runs'
    )
  }
}
