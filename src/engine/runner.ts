/**
 * The runner: owns the clock and the order of things. Teardown always happens in reverse of
 * setup, whatever failed or aborted: faults are reverted (each in its own `finally`), the
 * ledger is swept for anything left, then the system is torn down.
 * @module
 */
import { mkdirSync, rmSync, createWriteStream } from 'node:fs'
import path from 'node:path'
import { kScrubbedPolicy, launcherFor, type ExecPolicy } from '../platforms/local/exec-policy.js'
import { runWorkDir, type WorkDir } from '../platforms/local/work-dir.js'
import type { Check, Experiment } from '../experiment/model.js'
import type { TargetSelectorInput } from '../experiment/schema-parts.js'
import { describePick, selectTargetsFor } from '../faults/select.js'
import { resolveAttach } from '../platforms/local/attach.js'
import { LocalSupervisor, SYSTEM_LEDGER_ID } from '../platforms/local/local-supervisor.js'
import { openRunCgroup, writableCgroup2, type RunCgroup } from '../safety/run-cgroup.js'
import { startWatchdog, type Lease } from '../safety/watchdog/lease.js'
import type { Supervisor } from '../platforms/local/supervisor.js'
import type { TemplateVars } from '../shared/template.js'
import type { AbortKind } from './events.js'
import { Journal, type JournalListener } from './journal.js'
import { Ledger, runDirFor } from '../safety/ledger.js'
import { planSteps } from './plan.js'
import { stepRunner } from './step-runner.js'
import { runFaultStep } from './fault-step.js'
import { runScriptStep } from './script-step.js'
import { notRunVerdicts } from './not-run.js'
import { runLoadStep } from './load-step.js'
import { runCapacity } from '../capacity/run.js'
import { CheckRunner } from './check-runner.js'
import { MetricSampler } from '../metrics/sampler.js'
import { awaitMetricWindows } from '../metrics/settle.js'
import { faultWindows } from './fault-windows.js'
import { AbortMonitor } from './abort-monitor.js'
import { deriveResult, type RunResult } from './result.js'
import { undoEntry } from '../safety/undo.js'
import { createLockedLedger, type RunLock } from '../safety/run-lock.js'
import { LedgerWatch } from '../safety/ledger-watch.js'
import { writeRunInfo } from '../safety/run-info.js'
import { LocalNetwork } from '../platforms/local/network/local-network.js'
import { startRunResolver, type RunResolverHandle } from '../dns/run-resolver.js'
import { hasDnsFault } from '../dns/host-config.js'
import type { PreflightChecks } from '../platforms/local/network/preflight.js'
import { RunProxies } from '../proxy/run-proxies.js'
import { newRunId, RUN_ID_PATTERN } from './run-id.js'
import type { PartMode } from './part/channel.js'
import { RunDeadline, watchdogAfterMs } from './part/deadline.js'
import { servePart } from './part/serve.js'
import { partSystem } from './part/system.js'
import type { KubernetesRun } from '../platforms/kubernetes/contract.js'
import { connectRunCluster, type ClusterGrant } from './kubernetes-system.js'
import { randomSeed, TimingDraws } from './timing-draw.js'
import { RunCapture } from '../capture/run-capture.js'
import { preloadPreflight } from '../platforms/local/preload/preflight.js'
import { plannedMonitors, yamlMonitorFeed } from './monitor-feed.js'
import { hasMonitors } from './plan.js'
import { checkOnce } from './probe-check.js'
import { diskFaults, startDiskMounts, type DiskMountsHandle } from '../disk/run-mounts.js'
import { mountOwners } from '../disk/owners.js'

export interface RunOptions {
  /** Also write the journal as NDJSON here, as it happens. */
  journalFile?: string
  /**
   * Write `journalFile` durably (fdatasync grouped by 50 ms, at once after fault and run
   * events): an agent's outbox (journal.ts).
   */
  durableJournal?: boolean
  /** The run's id, when someone else assigned it (a Chaos Center placing the run on an agent). */
  runId?: string
  /** Receives every journal event (terminal progress, server streaming). */
  onEvent?: JournalListener
  /** Receives service output lines, already prefixed with `[service-i]`. */
  onLog?: (line: string) => void
  /** Overrides of the root / netem checks for hosts and network faults (tests). */
  networkChecks?: PreflightChecks
  /**
   * How user-supplied commands (services, `cmd` probes, `cmd` readiness) run: environment and
   * user. The only place the supervisor, the cmd probe and readiness consult.
   * @default scrubbed environment, as ordeal's own user
   */
  exec?: ExecPolicy
  /**
   * Where those commands work: services' data dirs go under `<workDir>/data`. A tree made by
   * `privateWorkTree` (its maker removes it). @default the run's state dir, or a private tree
   * under the temp dir when commands run as another user (who cannot reach ordeal's state dir)
   */
  workDir?: string
  /**
   * A part of a multi-host run (part.ts): only this logical host's services are the system,
   * and instead of running the steps the runner serves its coordinator's commands (part/serve.ts).
   */
  part?: PartMode
  /** `--kubeconfig`: the cluster of `spec.system.kubernetes`, over the manifest's kubeconfig. */
  kubeconfig?: string
  /** `--context`: wins over the manifest's `context`. */
  kubeContext?: string
  /**
   * The manifest comes from someone who may not pick files on this host (a Chaos Center
   * editor, a run placed on an agent): its `spec.system.kubernetes` `kubeconfig`, `context`
   * and `allowNamespaces` are refused, and the cluster is `clusterGrant`'s alone.
   */
  untrustedManifest?: boolean
  /** The cluster the agent or Chaos Center process resolved for its runs (kubernetes-system.ts). */
  clusterGrant?: ClusterGrant
  /**
   * `--seed N`: the seed of randomised fault timing (`after: 5s..15s`), to draw a run's values
   * again. @default a random seed, journaled in `run.started` and printed
   */
  seed?: number
  /** Where `spec.capture` writes `<host>.pcap` (`--report DIR/capture`). @default `<runDir>/capture` */
  captureDir?: string
}

/** A durable journal syncs at most this often for ordinary events (journal.ts). */
const kJournalGroupMs = 50

export interface RunHandle {
  runId: string
  runDir: string
  journal: Journal
  ledger: Ledger
  /** Stops the run: faults are reverted, the system torn down, the verdict reflects `kind`. */
  abort(kind: AbortKind, reason: string): void
  /** Best-effort immediate undo of everything in the ledger (second Ctrl+C). */
  undoNow(): Promise<void>
  result: Promise<RunResult>
}

export function startRun(experiment: Experiment, options: RunOptions = {}): RunHandle {
  if (options.runId !== undefined && !RUN_ID_PATTERN.test(options.runId)) {
    throw new Error(`run id ${JSON.stringify(options.runId)} must match ${RUN_ID_PATTERN.source}`)
  }
  const runId = options.runId ?? newRunId(experiment.name)
  const runDir = runDirFor(runId)
  mkdirSync(runDir, { recursive: true })
  const journal = new Journal(
    options.journalFile
      ? {
          file: options.journalFile,
          ...(options.durableJournal ? { durable: { groupMs: kJournalGroupMs } } : {}),
        }
      : {}
  )
  if (options.onEvent) {
    journal.subscribe(options.onEvent)
  }
  const ledger = new Ledger(runId)
  // The live-run lock, shared with the watchdog: recovery leaves this ledger alone until both
  // are gone (run-lock.ts).
  const lock = createLockedLedger(ledger.file)
  // Until the run owns it (execute releases it at teardown), a throw here must not leave this
  // process holding the lock: recovery would take the ledger for a live run's until we exit.
  const policy = options.exec ?? kScrubbedPolicy
  let work: WorkDir
  let lease: Lease
  try {
    // Where the journal is, so whoever recovers this run if it dies can say so in it.
    writeRunInfo(runDir, {
      runId,
      pid: process.pid,
      ...(options.journalFile ? { journalFile: path.resolve(options.journalFile) } : {}),
    })
    work = runWorkDir(
      runId,
      runDir,
      policy,
      options.workDir,
      experiment.system.services.some((s) => s.user !== undefined || s.group !== undefined)
    )
    // Before anything can act: from here on, killing this process still ends in rollback.
    lease = startWatchdog({
      ledgerFile: ledger.file,
      logFile: path.join(runDir, 'watchdog.log'),
      lockFd: lock.fd,
    })
  } catch (error) {
    lock.release()
    throw error
  }
  // Past this the watchdog ends the system even if the runner is alive but stuck.
  // A part's allows for its coordinator starting up to the accept wait later (part/deadline.ts).
  const systemDeadline =
    Date.now() + watchdogAfterMs(experiment.deadlineMs, options.part !== undefined)
  // After the watchdog, so that its undo (kill everything in it) covers the runner's death.
  const cgroup = openRunCgroup(runId, ledger, SYSTEM_LEDGER_ID, systemDeadline, writableCgroup2())
  const controller = new AbortController()
  // Checks run after the steps even when a probe or threshold stopped them; only an interrupt
  // or the deadline cuts their drain short.
  const checksController = new AbortController()
  let aborted: { kind: AbortKind; reason: string } | undefined
  const abort = (kind: AbortKind, reason: string) => {
    if (kind === 'signal' || kind === 'deadline') {
      checksController.abort()
    }
    if (aborted) {
      return
    }
    aborted = { kind, reason }
    journal.emit({ type: 'run.aborted', kind, reason })
    controller.abort()
  }
  const undoNow = async () => {
    for (const entry of ledger.pending()) {
      await undoEntry(ledger, entry).catch(() => undefined)
    }
  }
  journal.subscribe(new AbortMonitor(experiment.abort, abort).onEvent)
  // Fault steps listen for their own entries; anything else undone by another process (the
  // system's services, hosts) leaves the run unable to carry on as planned.
  const ledgerWatch = new LedgerWatch(ledger, (undo) =>
    abort(
      'error',
      `${undo.entry.undo.label} was undone by ${undo.by} while the run was in progress (${undo.reason})`
    )
  )
  ledgerWatch.start()
  const result = execute(experiment, {
    runId,
    runDir,
    journal,
    ledger,
    signal: controller.signal,
    checksSignal: checksController.signal,
    abort,
    options,
    lease,
    lock,
    ledgerWatch,
    work,
    policy: {
      ...policy,
      fallbackHome: work.home,
      ...('dir' in cgroup ? { cgroup: cgroup.dir } : {}),
    },
    cgroup,
    systemDeadline,
  })
  return { runId, runDir, journal, ledger, abort, undoNow, result }
}

/** Runs an experiment to its verdict. */
export async function runExperiment(
  experiment: Experiment,
  options: RunOptions = {}
): Promise<RunResult> {
  return startRun(experiment, options).result
}

interface Ctx {
  runId: string
  runDir: string
  journal: Journal
  ledger: Ledger
  signal: AbortSignal
  checksSignal: AbortSignal
  abort: (kind: AbortKind, reason: string) => void
  options: RunOptions
  lease: Lease
  lock: RunLock
  ledgerWatch: LedgerWatch
  work: WorkDir
  policy: ExecPolicy
  /** Where every user command of the run starts, and what teardown kills (run-cgroup.ts). */
  cgroup: RunCgroup
  systemDeadline: number
}

async function execute(experiment: Experiment, ctx: Ctx): Promise<RunResult> {
  const { journal, ledger } = ctx
  const part = ctx.options.part
  // A part's system is its own host's services; plan, probes and steps stay the whole manifest.
  const system = part ? partSystem(experiment.system, part.name) : experiment.system
  const layout: { address?: string; remote: TemplateVars } = { remote: {} }
  // One seed per run; each fault draws from its own sub-stream of it (timing-draw.ts).
  const timing = new TimingDraws(ctx.options.seed ?? randomSeed())
  journal.emit({
    type: 'run.started',
    runId: ctx.runId,
    experiment: experiment.name,
    hypothesis: experiment.hypothesis,
    ...(experiment.file === undefined ? {} : { file: experiment.file }),
    plan: planSteps(experiment),
    checks: experiment.checks.map((c) => ({
      id: c.id,
      name: c.name,
      type: c.type,
      stepId: c.loadStepId ?? 'run',
    })),
    seed: timing.seed,
    ...(hasMonitors(experiment) ? { monitors: plannedMonitors(experiment) } : {}),
  })
  const logFile = createWriteStream(path.join(ctx.runDir, 'services.log'))
  const systemDeadline = ctx.systemDeadline
  // Said only when it matters: a run that launches nothing has no process to outlive it.
  if ('unavailable' in ctx.cgroup && system.services.length > 0) {
    journal.emit({ type: 'run.warning', message: ctx.cgroup.unavailable })
  }
  const network = new LocalNetwork(system, {
    runId: ctx.runId,
    ledger,
    deadline: systemDeadline,
    ...(ctx.options.networkChecks ? { checks: ctx.options.networkChecks } : {}),
  })
  // In this process: a dead runner leaves no proxy (and no toxic) behind.
  const proxies = new RunProxies(ctx.runId, system.proxies ?? [])
  const supervisor: Supervisor = new LocalSupervisor({
    extraVars: () => ({ proxies: proxies.templateVars() }),
    ...(part ? { part: () => layout } : {}),
    services: system.services,
    runDir: ctx.work.dir,
    exec: ctx.policy,
    journal,
    log: (line: string) => {
      logFile.write(`${line}\n`)
      ctx.options.onLog?.(line)
    },
    ledger,
    deadline: systemDeadline,
    topology: () => network.topology,
  })
  // A part's coordinator keeps the run's deadline: the part's own is a backstop, restarted at
  // the coordinator's `prepare` (part/deadline.ts), before the watchdog's (systemDeadline).
  const deadline = new RunDeadline(experiment.deadlineMs, part !== undefined, () =>
    ctx.abort('deadline', `run deadline of ${experiment.deadlineMs}ms exceeded`)
  )
  const deadlineAt = Date.now() + experiment.deadlineMs
  let kubernetes: KubernetesRun | undefined
  let capture: RunCapture | undefined
  let dns: RunResolverHandle | undefined
  let disk: DiskMountsHandle | undefined
  try {
    journal.emit({
      type: 'system.starting',
      services: system.services.map((s) => s.name),
    })
    let started = false
    if (part) {
      // The coordinator's commands start the system, then run its steps here, until `stop`.
      await servePart({
        part,
        experiment,
        supervisor,
        layout,
        prepared: () => deadline.prepared(),
        fault: {
          runId: ctx.runId,
          baseDir: experiment.baseDir,
          journal,
          ledger,
          supervisor,
          selectTargets: async (selector) =>
            selector.service === undefined
              ? []
              : selectTargetsFor(selector, supervisor.targets(selector.service)),
          deadlineSlackMs: 5_000,
          ledgerWatch: ctx.ledgerWatch,
          timing,
        },
        launch: launcherFor(ctx.policy),
        signal: ctx.signal,
        abort: ctx.abort,
      })
    } else {
      started = true
      try {
        // The cluster first: an unreachable API or a missing namespace fails before anything
        // local exists (kubernetes-system.ts).
        kubernetes = await connectRunCluster(experiment, {
          ...ctx.options,
          grant: ctx.options.clusterGrant,
          warn: (message) => journal.emit({ type: 'run.warning', message }),
        })
        // A preload's library missing fails here, one line, before any host or service exists.
        const missing = preloadPreflight(experiment.system.services)
        if (missing !== undefined) {
          throw new Error(missing)
        }
        // Hosts before the services placed on them; preconditions fail before anything exists.
        await network.create(experiment)
        if (network.topology && network.topology.hosts.length > 0) {
          journal.emit({
            type: 'network.created',
            netId: network.topology.netId,
            namespaces: network.topology.hosts.map((h) => h.namespace),
          })
        }
        // The hosts' resolver before any service starts on them (src/dns/run-resolver.ts),
        // only for a dns-fault: without one, hosts resolve exactly as they did before it existed.
        if (hasDnsFault(experiment.root)) {
          dns = await startRunResolver({
            runId: ctx.runId,
            ledger,
            deadline: systemDeadline,
            topology: network.topology,
            services: system.services,
            warn: (message) => journal.emit({ type: 'run.warning', message }),
          })
        }
        // Ports first, so proxy upstreams can name services; proxies before their users.
        await supervisor.prepare()
        await proxies.start(supervisor.templateVars())
        // disk-fault paths are mounted over once the data dirs exist, before any service
        // starts on them (src/disk/run-mounts.ts); without a disk-fault nothing is mounted.
        const diskFaultList = diskFaults(experiment.root)
        if (diskFaultList.length > 0) {
          disk = await startDiskMounts({
            runId: ctx.runId,
            ledger,
            deadline: systemDeadline,
            faults: diskFaultList,
            baseDir: experiment.baseDir,
            vars: supervisor.templateVars(),
            seed: timing.seed,
            runDir: ctx.runDir,
            workDir: ctx.work.dir,
            ...mountOwners(ctx.policy, system.services),
          })
        }
        await supervisor.start()
        if (experiment.capture) {
          // Listening on every host before the system counts as ready: the steps are all in it.
          capture = new RunCapture({
            spec: experiment.capture,
            topology: network.topology,
            dir: ctx.options.captureDir ?? path.join(ctx.runDir, 'capture'),
            ledger,
            deadline: systemDeadline,
            emit: (body) => journal.emit(body),
          })
          await capture.start()
        }
        journal.emit({ type: 'system.ready' })
      } catch (error) {
        journal.emit({
          type: 'system.failed',
          error: error instanceof Error ? error.message : String(error),
        })
        started = false
      }
    }
    // A failed start still falls through to the teardown below, so that run.ended comes last.
    if (started && !ctx.signal.aborted) {
      const select = async (selector: TargetSelectorInput, report: (detail: string) => void) => {
        if (selector.service !== undefined) {
          return selectTargetsFor(selector, supervisor.targets(selector.service))
        }
        const candidates = await resolveAttach(
          experiment.system.attach.find((a) => a.name === selector.attach)!,
          { [ctx.lease.pid]: "the run's watchdog" }
        )
        const picked = selectTargetsFor(selector, candidates)
        report(describePick(selector, picked, candidates.length))
        return picked
      }
      const checks = new CheckRunner(
        experiment,
        journal,
        () => supervisor.templateVars(),
        launcherFor(ctx.policy)
      )
      checks.startReaders()
      // spec.metrics: read from here (system ready) until the steps end and the metric checks'
      // windows are covered.
      const sampler = new MetricSampler({
        metrics: experiment.metrics ?? [],
        emit: (body) => journal.emit(body),
        vars: () => supervisor.templateVars(),
      })
      sampler.start()
      // spec.monitors and code monitors: fed from here (system ready) until the steps end
      // (monitor-feed.ts).
      const monitors = yamlMonitorFeed(experiment, {
        emit: (body) => journal.emit(body),
        check: (probe, signal) =>
          checkOnce(probe, {
            vars: () => supervisor.templateVars(),
            baseDir: experiment.baseDir,
            launch: launcherFor(ctx.policy),
            signal,
            ...(kubernetes === undefined ? {} : { kubernetes }),
          }),
      })
      const unsubscribe = monitors && journal.subscribe(monitors.onEvent)
      monitors?.start()
      // What every fault of the run acts through: fault steps, a capacity step's fault, and the
      // faults a script step injects.
      const faultEnv = {
        runId: ctx.runId,
        baseDir: experiment.baseDir,
        journal,
        ledger,
        supervisor,
        selectTargets: select,
        signal: ctx.signal,
        deadlineSlackMs: 5_000,
        ledgerWatch: ctx.ledgerWatch,
        timing,
        ...(kubernetes === undefined ? {} : { kubernetes }),
      }
      const runStep = stepRunner({
        emit: (body) => journal.emit(body),
        signal: ctx.signal,
        abort: ctx.abort,
        actions: {
          fault: (step, hooks) => runFaultStep(step.id, step.fault, faultEnv, hooks),
          capacity: async (step, hooks) => {
            await runCapacity(step.id, step.name, step.capacity, {
              emit: (body) => journal.emit(body),
              signal: ctx.signal,
              vars: () => supervisor.templateVars(),
              hooks,
              fault: (fault, faultHooks) => runFaultStep(step.id, fault, faultEnv, faultHooks),
            })
          },
          // A script step of the TypeScript form: its faults take the fault step's path.
          script: (step, hooks) =>
            runScriptStep(
              step,
              {
                fault: faultEnv,
                emit: (body) => journal.emit(body),
                probes: {
                  vars: () => supervisor.templateVars(),
                  baseDir: experiment.baseDir,
                  launch: launcherFor(ctx.policy),
                  ...(kubernetes === undefined ? {} : { kubernetes }),
                },
              },
              hooks
            ),
          load: (step) =>
            runLoadStep(step.id, step.load, {
              journal,
              signal: ctx.signal,
              vars: () => supervisor.templateVars(),
              abort: ctx.abort,
            }),
          probes: {
            vars: () => supervisor.templateVars(),
            baseDir: experiment.baseDir,
            launch: launcherFor(ctx.policy),
            ...(kubernetes === undefined ? {} : { kubernetes }),
          },
        },
      })
      try {
        await runStep(experiment.root, [])
        await monitors?.stop()
        // The steps are over: the capture ends here, flushed, before checks drain.
        await capture?.stop()
        if (!ctx.signal.aborted) {
          await awaitMetricWindows({
            checks: experiment.checks,
            metrics: experiment.metrics ?? [],
            journal,
            emit: (body) => journal.emit(body),
            faults: () => faultWindows(journal),
            // The other checks' drains and the teardown still fit before the deadline.
            notAfter: deadlineAt - 5_000 - checksDrainMs(experiment.checks),
            signal: ctx.signal,
          })
        }
      } finally {
        await monitors?.stop()
        unsubscribe?.()
        await sampler.stop()
      }
      if (ctx.checksSignal.aborted) {
        await checks.cancel() // interrupted: checks stay not evaluated rather than half-drained
      } else {
        await checks.finish(ctx.checksSignal)
      }
    }
  } finally {
    deadline.clear()
    // From here the runner undoes everything itself; foreign marks are reported up to now.
    ctx.ledgerWatch.close()
    // Steps that threw or a failed start: tcpdump still ends cleanly, before the sweep kills it.
    await capture?.stop()
    // Safety net: anything a driver recorded but did not revert is undone from the ledger.
    for (const entry of ledger.pending().filter((e) => e.faultId !== SYSTEM_LEDGER_ID)) {
      await undoEntry(ledger, entry).catch((error: unknown) =>
        journal.emit({
          type: 'run.warning',
          message: `could not undo ${entry.undo.label}: ${String(error)}`,
        })
      )
    }
    kubernetes?.close()
    await supervisor.stop()
    // Process groups are gone; whatever left its group (setsid, double fork) is still here.
    if ('entry' in ctx.cgroup) {
      const { entry } = ctx.cgroup
      await undoEntry(ledger, entry).catch((error: unknown) =>
        journal.emit({
          type: 'run.warning',
          message: `could not end the run's processes: ${String(error)}`,
        })
      )
    }
    // After every process of the run is gone: nothing holds a file under the mounts.
    await disk?.stop().catch((error: unknown) =>
      journal.emit({
        type: 'run.warning',
        message: `could not unmount the disk-fault mounts: ${String(error)}`,
      })
    )
    proxies.close()
    await dns?.stop().catch((error: unknown) =>
      journal.emit({
        type: 'run.warning',
        message: `could not remove the hosts' resolv.conf files: ${String(error)}`,
      })
    )
    await network.remove().catch((error: unknown) =>
      journal.emit({
        type: 'run.warning',
        message: `could not remove hosts and networks: ${String(error)}`,
      })
    )
    ctx.work.remove()
    const left = ledger.pending()
    if (left.length > 0) {
      // Not undone yet (an API server that is down): the watchdog keeps retrying on its own,
      // so this run ends now instead of hanging until the undo can be done.
      journal.emit({
        type: 'run.warning',
        message: `${left.length === 1 ? 'an undo is' : `${left.length} undos are`} still pending (${left.map((e) => e.undo.label).join('; ')}): the run's watchdog (pid ${ctx.lease.pid}) keeps retrying until it succeeds; \`ordeal recover\` shows it`,
      })
    }
    await ctx.lease.release({ wait: left.length === 0 })
    if (left.length === 0) {
      // Fully undone: nothing for `ordeal recover` to do, so do not make it read this again.
      rmSync(ledger.file, { force: true })
    }
    // Closing our descriptor frees the lock once the watchdog is gone too (it holds a copy):
    // a ledger left with pending entries then becomes recoverable.
    ctx.lock.release()
    journal.emit({ type: 'system.stopped' })
    await new Promise<void>((resolve) => logFile.end(resolve))
  }
  return finish()

  async function finish(): Promise<RunResult> {
    for (const verdict of notRunVerdicts(journal.events)) {
      journal.emit(verdict)
    }
    journal.emit({ type: 'run.ended' })
    await journal.close()
    return deriveResult(journal.events)
  }
}

/** The longest the checks may drain or settle after the steps (queue drains, set settles). */
function checksDrainMs(checks: readonly Check[]): number {
  return Math.max(
    0,
    ...checks.map((c) =>
      c.type === 'queue' ? c.drainTimeoutMs : c.type === 'set' ? c.settleMs : 0
    )
  )
}
