/**
 * Runs services as local processes: replicas with their own ports and data dirs, readiness,
 * restart policies with backoff, and teardown by process group. A supervisor is single-use:
 * prepare → start → (faults) → stop.
 * @module
 */
import { EventEmitter } from 'node:events'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { kScrubbedPolicy, launcherFor, type ExecPolicy, type Launcher } from './exec-policy.js'
import { isForeign, makeLeaf, makeOwnDir } from './work-dir.js'
import { checkServiceUser, resolveServiceUser, withGroup, type RunUser } from './run-user.js'
import type { Journal } from '../../engine/journal.js'
import type { ServiceSpec } from '../../experiment/model.js'
import type { TemplateVars } from '../../shared/template.js'
import { killGroup, terminateGroup } from './process-group.js'
import { assignPorts, portsInUse } from './ports.js'
import { waitUntilReady } from './readiness.js'
import { ReplicaProcess } from './replica.js'
import * as slots from './replica-slot.js'
import { LaunchError, type ReplicaSlot } from './replica-slot.js'
import {
  CRASH_LOOP_EXITS,
  CRASH_LOOP_WINDOW_MS,
  nextRestartDelay,
  quickExitsAfter,
  shouldRestart,
  type ExitInfo,
} from './restart-policy.js'
import {
  dataDirFor,
  renderLaunch,
  replicaTemplateVars,
  servicesTemplateVars,
  withRemoteServices,
} from './service-vars.js'
import {
  SystemStartError,
  type ReplicaInfo,
  type RestartOptions,
  type Supervisor,
} from './supervisor.js'
import type { ProcessTarget } from './targets.js'
import { settleWithin } from './timing.js'
import type { Ledger } from '../../safety/ledger.js'
import { processStartTime } from '../../safety/proc.js'
import { hostPlan, hostsTemplateVars, hostVars, type Topology } from './network/topology.js'
import { nsExec } from './network/commands.js'
import { preloadControlDir, preloadEnv, preloadRoot, preloadsOf } from './preload/launch.js'
import type { PreloadReplica } from './preload/contract.js'
import { preloadPreflight } from './preload/preflight.js'
import { readEnviron } from './preload/environ.js'

export { describeServices } from './describe-services.js'

export interface LocalSupervisorOptions {
  services: ServiceSpec[]
  /** Replica data dirs are created under `<runDir>/data/` (the run's work dir). */
  runDir: string
  /** How the services' commands run (user, environment). @default scrubbed, as ordeal's user */
  exec?: ExecPolicy
  journal: Journal
  /** Receives every output line of every replica, prefixed `[api-0] `. */
  log: (line: string) => void
  /**
   * When given, each launched replica is listed here (fault id `system`) until it exits, so a
   * watchdog or `ordeal recover` can end the system if the runner is killed.
   */
  ledger?: Ledger
  /** Deadline to record with those entries (ms since epoch). */
  deadline?: number
  /** The run's hosts, once created: replicas placed on a host are spawned in its namespace. */
  topology?: () => Topology | undefined
  /** More template variables for launches and probes (the run's `proxies`). */
  extraVars?: () => TemplateVars
  /**
   * A multi-host part: the address its services are reached on from other hosts (known once
   * the coordinator says it, at prepare), and the other parts' services, merged into
   * `services` for every template (part.ts).
   */
  part?: () => { address?: string; remote: TemplateVars }
}

/** The ledger's fault id for processes of the system itself (not faults). */
export const SYSTEM_LEDGER_ID = 'system'

/** How long to wait for an exit event or the last output after a group is known to be gone. */
const kSettleMs = 2000

export class LocalSupervisor implements Supervisor {
  readonly #services: ServiceSpec[]
  readonly #journal: Journal
  readonly #log: (line: string) => void
  readonly #ledger: Ledger | undefined
  readonly #deadline: number
  readonly #topology: () => Topology | undefined
  readonly #extraVars: () => TemplateVars
  readonly #part: LocalSupervisorOptions['part']
  readonly #exec: ExecPolicy
  readonly #dataRoot: string
  readonly #runDir: string
  /** Per service: who its commands run as (resolved in prepare; absent = the run user). */
  readonly #users = new Map<string, RunUser>()
  readonly #slots = new Map<string, ReplicaSlot[]>()
  /** Every process group ever launched → its grace period; stop() sweeps them all. */
  readonly #groups = new Map<number, number>()
  readonly #pids: number[] = []
  readonly #changes = new EventEmitter().setMaxListeners(0)
  readonly #stopSignal = new AbortController()
  #prepared: Promise<void> | undefined
  #stopped: Promise<void> | undefined
  /** Set before anything is signalled: no launch or restart may begin after it. */
  #stopping = false
  #startCalled = false

  constructor(options: LocalSupervisorOptions) {
    this.#services = options.services
    this.#journal = options.journal
    this.#log = options.log
    this.#ledger = options.ledger
    this.#deadline = options.deadline ?? Number.MAX_SAFE_INTEGER
    this.#topology = options.topology ?? (() => undefined)
    this.#extraVars = options.extraVars ?? (() => ({}))
    this.#part = options.part
    this.#exec = options.exec ?? kScrubbedPolicy
    this.#dataRoot = path.join(options.runDir, 'data')
    this.#runDir = options.runDir
    for (const spec of options.services) {
      const replicas = Array.from({ length: spec.replicas }, (_, i) =>
        slots.createSlot(spec, i, dataDirFor(options.runDir, spec.name, i))
      )
      this.#slots.set(spec.name, replicas)
    }
  }

  prepare(): Promise<void> {
    this.#prepared ??= this.#prepare()
    return this.#prepared
  }

  async start(): Promise<void> {
    if (this.#startCalled) {
      throw new Error('LocalSupervisor.start() can be called only once')
    }
    this.#startCalled = true
    try {
      await this.prepare()
      // Services in order (a later one may need an earlier one), replicas of one in parallel.
      for (const spec of this.#services) {
        const launches = this.#replicasOf(spec.name).map((slot) => this.#startReplica(slot))
        const failure = (await Promise.allSettled(launches)).find((r) => r.status === 'rejected')
        if (failure) {
          throw failure.reason
        }
      }
    } catch (error) {
      // Tear down first: the failed replica's last output lines arrive while it is stopped.
      await this.stop()
      throw slots.toStartError(error)
    }
  }

  templateVars(): TemplateVars {
    const topology = this.#topology()
    return {
      ...this.#extraVars(),
      services: this.#servicesVars(),
      ...(topology ? { hosts: hostsTemplateVars(topology) } : {}),
    }
  }

  replicas(service: string): ReplicaInfo[] {
    return this.#replicasOf(service).map(slots.slotInfo)
  }

  preloadDir(service: string, replica: number): string {
    return preloadControlDir(this.#runDir, service, replica)
  }

  targets(service: string): ProcessTarget[] {
    return this.#replicasOf(service).flatMap((slot) => slots.slotTarget(slot) ?? [])
  }

  restartReplica(
    service: string,
    index: number,
    graceMs: number,
    options: RestartOptions = {}
  ): Promise<void> {
    const slot = this.#slot(service, index)
    const run = slot.queue.then(() => this.#restartNow(slot, graceMs, options))
    slot.queue = run.catch(() => undefined)
    return run
  }

  waitForRestart(
    service: string,
    index: number,
    afterGeneration: number,
    signal?: AbortSignal
  ): Promise<void> {
    const slot = this.#slot(service, index)
    const stopping = () => this.#stopping
    return slots.waitForGeneration(slot, afterGeneration, {
      changes: this.#changes,
      stopping,
      signal,
    })
  }

  stop(): Promise<void> {
    this.#stopping = true
    this.#stopped ??= this.#stopAll()
    return this.#stopped
  }

  launchedPids(): number[] {
    return [...this.#pids]
  }

  async #prepare(): Promise<void> {
    const all = [...this.#slots.values()].flat()
    try {
      await assignPorts(all)
    } catch (error) {
      throw new SystemStartError((error as Error).message, { cause: error })
    }
    for (const spec of this.#services) {
      const user = this.#serviceUser(spec)
      if (user) {
        this.#users.set(spec.name, user)
      }
    }
    // The run's dir (a root-owned private tree, or ordeal's own state dir) holds `data/`, which
    // stays ordeal's; only each replica's own dir is handed over (work-dir.ts), so no path a
    // service's user could have planted a symlink in is ever created, chmodded or chowned here.
    try {
      // Only dirs of ordeal's own are made on the way (tests pass a run dir not made yet).
      mkdirSync(path.dirname(this.#dataRoot), { recursive: true })
      makeOwnDir(this.#dataRoot, 0o711)
    } catch (error) {
      throw new SystemStartError(`cannot create ${this.#dataRoot}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    for (const slot of all) {
      this.#own(slot.dataDir, this.#users.get(slot.spec.name) ?? this.#exec.user)
    }
    this.#preparePreloads(all)
  }

  /**
   * `<runDir>/preload/<service>-<replica>` for each replica under a preload, made like its
   * data dir (ordeal's parent, the leaf the service user's: libfiu's FIFOs are made by the
   * process), then each driver's control files in it, before any spawn.
   */
  #preparePreloads(all: ReplicaSlot[]): void {
    const under = all.filter((slot) => preloadsOf(slot.spec).length > 0)
    if (under.length === 0) {
      return
    }
    // The runner checked already; a multi-host part (part/serve.ts) prepares without it.
    const missing = preloadPreflight(this.#services)
    if (missing !== undefined) {
      throw new SystemStartError(missing)
    }
    const root = preloadRoot(this.#runDir)
    try {
      makeOwnDir(root, 0o711)
    } catch (error) {
      throw new SystemStartError(`cannot create ${root}: ${(error as Error).message}`, {
        cause: error,
      })
    }
    for (const slot of under) {
      const replica = this.#preloadReplica(slot)
      this.#own(replica.controlDir, this.#users.get(slot.spec.name) ?? this.#exec.user)
      for (const driver of preloadsOf(slot.spec)) {
        try {
          driver.setup?.(replica)
        } catch (error) {
          throw new SystemStartError(
            `service ${slot.spec.name}: preload ${driver.name}: ${(error as Error).message}`,
            { cause: error }
          )
        }
      }
    }
  }

  #preloadReplica(slot: ReplicaSlot): PreloadReplica {
    return {
      service: slot.spec.name,
      replica: slot.index,
      controlDir: preloadControlDir(this.#runDir, slot.spec.name, slot.index),
    }
  }

  /** A service's `user:`/`group:` resolved, or undefined for the run user. */
  #serviceUser(spec: ServiceSpec): RunUser | undefined {
    try {
      checkServiceUser(spec, this.#exec)
      if (spec.user !== undefined) {
        return resolveServiceUser(spec.user, spec.group)
      }
      const base = this.#exec.user
      if (spec.group !== undefined) {
        return withGroup(base ?? ownUser(), spec.group)
      }
      return undefined
    } catch (error) {
      throw new SystemStartError(`service ${spec.name}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  /** Makes a replica's data dir, `user`'s (when ordeal is not that user) so it can write there. */
  #own(dir: string, user: RunUser | undefined): void {
    try {
      // Ordeal's own (as it always was, 0755): a service that drops privileges by itself, as
      // RabbitMQ's launcher does, still reaches it.
      makeLeaf(dir, user, isForeign(user) ? 0o700 : 0o755)
    } catch (error) {
      throw new SystemStartError(
        `cannot give ${dir} to user ${user?.name ?? 'ordeal'}: ${(error as Error).message}` +
          (isForeign(user) ? ' (running as another user needs ordeal to run as root)' : ''),
        { cause: error }
      )
    }
  }

  #launcher(spec: ServiceSpec): Launcher {
    return launcherFor(this.#exec, this.#users.get(spec.name) ?? this.#exec.user)
  }

  async #startReplica(slot: ReplicaSlot): Promise<void> {
    const busy = await portsInUse(slot.ports)
    if (busy) {
      throw new LaunchError(slot, busy)
    }
    // Like a Deployment's rollout: a replica that crashes while starting is started again (with
    // backoff) until its readiness timeout, unless its policy is `never`. Clustered servers
    // booting together (RabbitMQ's feature-flag sync) can fail once and succeed on a retry.
    // A replica that exits at once every time is not booting slowly: after a few such exits in
    // a row the start fails now, with its last output, rather than at the readiness timeout.
    const deadline = Date.now() + (slot.spec.readiness?.timeoutMs ?? 30_000)
    let delayMs = 0
    let quickExits = 0
    for (;;) {
      const attemptStart = Date.now()
      try {
        await this.#launch(slot)
        return
      } catch (error) {
        const exited = error instanceof LaunchError && error.exited
        quickExits = exited ? quickExitsAfter(quickExits, Date.now() - attemptStart) : 0
        if (quickExits >= CRASH_LOOP_EXITS) {
          throw new LaunchError(
            slot,
            `crash loop: ${(error as Error).message}, ${quickExits} times in a row within ${CRASH_LOOP_WINDOW_MS / 1000}s of starting`,
            true
          )
        }
        const retry = exited && slot.spec.restart !== 'never' && !this.#stopping
        delayMs = Math.min(
          slot.spec.backoff.maxMs,
          Math.max(slot.spec.backoff.initialMs, delayMs * 2)
        )
        if (!retry || Date.now() + delayMs >= deadline) {
          throw error
        }
        this.#emit({
          type: 'service.restarting',
          service: slot.spec.name,
          replica: slot.index,
          delayMs,
        })
        await new Promise((resolve) => setTimeout(resolve, delayMs))
      }
    }
  }

  /** Spawns a new generation of `slot` and waits for its readiness. */
  async #launch(slot: ReplicaSlot): Promise<void> {
    if (this.#stopping) {
      throw new LaunchError(slot, 'ordeal is stopping')
    }
    let launch: ReturnType<typeof renderLaunch>
    let proc: ReplicaProcess
    let preload: Record<string, string> = {}
    const launcher = this.#launcher(slot.spec)
    try {
      launch = renderLaunch(slot.spec, this.#replicaVars(slot))
      // The preload goes to the replica only, not to its readiness command (which gets
      // `launch.env` below): a `cmd` readiness must not run under a skewed clock or failing calls.
      // It is `late`: set after the privilege drop, never in the root wrappers (exec-policy.ts).
      preload = preloadEnv(slot.spec, this.#preloadReplica(slot), launch.env)
      // The privilege drop goes inside `ip netns exec` (entering a namespace needs root).
      const built = launcher(
        [launch.command, ...launch.args],
        launch.env,
        (argv) => this.#placed(slot, argv),
        preload
      )
      const spawnSpec = { ...launch, ...built }
      // Synchronous from here to `slot.proc = proc`, so no other launch can interleave.
      proc = ReplicaProcess.spawn(spawnSpec, (line) => this.#onLine(slot, line))
    } catch (error) {
      slot.state = 'exited'
      this.#changed()
      throw new LaunchError(slot, (error as Error).message)
    }
    const entry = this.#ledger?.record(
      SYSTEM_LEDGER_ID,
      {
        kind: 'terminate',
        pid: proc.pid,
        startTime: processStartTime(proc.pid),
        label: `service ${slot.spec.name}-${slot.index} (pid ${proc.pid})`,
      },
      this.#deadline
    )
    if (entry) {
      void proc.exited.then(() => this.#ledger?.markUndone(entry.id))
    }
    slot.proc = proc
    slot.generation++
    slot.state = 'starting'
    this.#pids.push(proc.pid)
    this.#groups.set(proc.pid, slot.spec.gracePeriodMs)
    this.#emit({
      type: 'service.started',
      service: slot.spec.name,
      replica: slot.index,
      pid: proc.pid,
    })
    void proc.exited.then((exit) => this.#onExit(slot, proc, exit))
    this.#changed()
    if (preload['LD_PRELOAD'] !== undefined) {
      await untilPreloaded(proc, preload['LD_PRELOAD'])
    }
    if (launch.readiness) {
      const own = launch.env
      const signal = this.#stopSignal.signal
      const outcome = await waitUntilReady({
        readiness: launch.readiness,
        cwd: launch.cwd,
        launch: (argv) => launcher(argv, own),
        exited: proc.exited,
        signal,
      })
      if (!outcome.ready) {
        throw new LaunchError(slot, outcome.reason, outcome.exited)
      }
    }
    if (slot.proc === proc && proc.alive) {
      slot.state = 'running'
      slot.supervised = true
      this.#emit({
        type: 'service.ready',
        service: slot.spec.name,
        replica: slot.index,
        pid: proc.pid,
      })
      this.#changed()
    }
  }

  async #onExit(slot: ReplicaSlot, proc: ReplicaProcess, exit: ExitInfo): Promise<void> {
    const expected = proc.stopReason !== undefined || this.#stopping
    const { name: service } = slot.spec
    this.#emit({
      type: 'service.exited',
      service,
      replica: slot.index,
      pid: proc.pid,
      ...exit,
      expected,
    })
    if (slot.proc !== proc) {
      return
    }
    slot.proc = undefined
    const restart = !expected && slot.supervised && shouldRestart(slot.spec.restart, exit)
    const delayMs = restart
      ? nextRestartDelay(slot.lastDelayMs, Date.now() - proc.startedAt, slot.spec.backoff)
      : 0
    slot.state =
      restart || proc.stopReason === 'restart' ? 'restarting' : expected ? 'stopped' : 'exited'
    if (restart) {
      slot.lastDelayMs = delayMs
      this.#emit({ type: 'service.restarting', service, replica: slot.index, delayMs })
    }
    this.#changed()
    if (expected) {
      return // whoever stops it (stop, restartReplica) sweeps the group
    }
    // Orphans of the dead leader would hold its port and files: clear the whole group first,
    // as a container runtime does when a container's main process dies.
    const clearedAt = Date.now()
    await killGroup(proc.pid)
    if (restart && !this.#stopping && slot.proc === undefined) {
      const remaining = Math.max(0, delayMs - (Date.now() - clearedAt))
      slot.restartTimer = setTimeout(() => {
        slot.restartTimer = undefined
        void this.#autoRestart(slot)
      }, remaining)
    }
  }

  async #autoRestart(slot: ReplicaSlot): Promise<void> {
    try {
      await this.#launch(slot)
    } catch (error) {
      // An exit is handled by #onExit (policy and backoff again); anything else is reported
      // without ending the run: the replica stays as it is.
      if (error instanceof LaunchError && !error.exited && !this.#stopping) {
        this.#emit({
          type: 'run.warning',
          message: `${slot.label} was restarted but ${error.message}`,
        })
      }
    }
  }

  async #restartNow(slot: ReplicaSlot, graceMs: number, options: RestartOptions): Promise<void> {
    clearTimeout(slot.restartTimer)
    slot.restartTimer = undefined
    const proc = slot.proc
    if (proc) {
      proc.stopReason = 'restart'
      if (options.kill) {
        await killGroup(proc.pid)
      } else {
        await terminateGroup(proc.pid, graceMs, proc.exited)
      }
      await settleWithin(proc.exited, kSettleMs)
    }
    slot.lastDelayMs = undefined
    if (options.beforeStart) {
      try {
        await options.beforeStart()
      } catch (error) {
        slot.state = 'exited'
        this.#changed()
        throw new Error(`${slot.label} was not started again: ${(error as Error).message}`, {
          cause: error,
        })
      }
    }
    try {
      await this.#launch(slot)
    } catch (error) {
      throw new Error(`restart of ${slot.label} failed: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }

  async #stopAll(): Promise<void> {
    this.#stopSignal.abort()
    const all = [...this.#slots.values()].flat()
    const live = new Map<number, ReplicaProcess>()
    for (const slot of all) {
      clearTimeout(slot.restartTimer)
      slot.restartTimer = undefined
      if (slot.proc) {
        slot.proc.stopReason ??= 'stop'
        live.set(slot.proc.pid, slot.proc)
      }
    }
    // Every group ever launched, not only live leaders: grandchildren outlive their leader.
    const sweeps = [...this.#groups].map(async ([pgid, graceMs]) => {
      const proc = live.get(pgid)
      await terminateGroup(pgid, graceMs, proc?.exited)
      if (proc) {
        await settleWithin(proc.exited, kSettleMs)
        await settleWithin(proc.outputClosed, kSettleMs)
      }
    })
    await Promise.all(sweeps)
    for (const slot of all) {
      slot.state = 'stopped'
    }
    this.#changed()
  }

  #onLine(slot: ReplicaSlot, line: string): void {
    const prefixed = `[${slot.label}] ${line}`
    slots.rememberLine(slot, prefixed)
    try {
      this.#log(prefixed)
    } catch {
      // A broken log sink (closed terminal) must not take the supervisor down.
    }
  }

  #servicesVars(): TemplateVars {
    const topology = this.#topology()
    const part = this.#part?.()
    const layout = (slot: ReplicaSlot) => {
      const host = slot.spec.hosts?.[slot.index]
      const address =
        part?.address ??
        (topology && host !== undefined ? hostVars(hostPlan(topology, host))['address'] : undefined)
      return {
        ...slots.slotLayout(slot),
        ...(typeof address === 'string' && address !== '' ? { host: address } : {}),
      }
    }
    const own = servicesTemplateVars(
      new Map([...this.#slots].map(([name, list]) => [name, list.map(layout)]))
    )
    return part ? withRemoteServices(own, part.remote) : own
  }

  #replicaVars(slot: ReplicaSlot): TemplateVars {
    const vars = {
      ...this.#extraVars(),
      ...replicaTemplateVars(slot.spec.name, slots.slotLayout(slot), this.#servicesVars()),
    }
    const topology = this.#topology()
    const host = slot.spec.hosts?.[slot.index]
    if (topology) {
      vars['hosts'] = hostsTemplateVars(topology)
      if (host !== undefined) {
        vars['host'] = hostVars(hostPlan(topology, host))
      }
    }
    return vars
  }

  /**
   * A replica on a host runs as `ip netns exec <ns> <command> ...`: ip enters the namespace and
   * execs the command, so the pid (and process group) is the command's own.
   */
  #placed(slot: ReplicaSlot, argv: string[]): string[] {
    const host = slot.spec.hosts?.[slot.index]
    if (host === undefined) {
      return argv
    }
    const topology = this.#topology()
    if (!topology) {
      throw new Error(`host '${host}' was not created`)
    }
    return nsExec(hostPlan(topology, host).namespace, argv)
  }

  #replicasOf(service: string): ReplicaSlot[] {
    const list = this.#slots.get(service)
    if (!list) {
      throw new Error(
        `unknown service '${service}' (known: ${[...this.#slots.keys()].join(', ') || 'none'})`
      )
    }
    return list
  }

  #slot(service: string, index: number): ReplicaSlot {
    const slot = this.#replicasOf(service)[index]
    if (!slot) {
      throw new Error(`service '${service}' has no replica ${index}`)
    }
    return slot
  }

  #emit(body: Parameters<Journal['emit']>[0]): void {
    this.#journal.emit(body)
  }

  #changed(): void {
    this.#changes.emit('change')
  }
}

/** ordeal's own user, for a service that sets only `group:`. */
function ownUser(): RunUser {
  const uid = process.getuid?.() ?? 0
  return { name: String(uid), uid, gid: process.getgid?.() ?? 0, home: process.env['HOME'] ?? '/' }
}

/**
 * Set after the privilege drop (exec-policy.ts), a replica's preload shows in its environ
 * only once the wrappers before it (`setpriv`, `env`) have exec'd the command. A fault reads
 * it there, so the replica counts as started only then (bounded: a stuck exec is left to the
 * fault's own refusal, which names what is missing).
 */
async function untilPreloaded(proc: ReplicaProcess, ldPreload: string): Promise<void> {
  const deadline = Date.now() + 2000
  while (proc.alive && Date.now() < deadline) {
    if (readEnviron(proc.pid)?.['LD_PRELOAD'] === ldPreload) {
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
