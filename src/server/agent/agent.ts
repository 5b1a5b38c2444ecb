/**
 * The embedded agent: executes each run in a process of its own (`run-process/process.ts`) with the
 * same engine as `ordeal run`, so a run started from the UI behaves exactly like one started
 * from a terminal (same watchdog: if the server or the run process dies, the run's detached
 * watchdog still rolls its faults back), while the experiment's commands never run inside the
 * server's process, user, environment or data directory. Its events take the recorder's path,
 * like a recorded run's.
 * @module
 */
import type { Actor } from '../auth/actor.js'
import type { JournalEvent } from '../../engine/events.js'
import { loadManifest } from '../api/manifest.js'
import type { Agent, Recorder } from '../context.js'
import type { Experiment, RunSummary } from '../../shared/api.js'
import { HttpError, notFound } from '../http/route.js'
import { newRunId } from '../../engine/run-id.js'
import type { Store } from '../store/contract.js'
import { kScrubbedPolicy, type ExecPolicy } from '../../platforms/local/exec-policy.js'
import type { RunRecorder } from './recorder.js'
import { recoverDiedRun } from '../../platforms/local/run-process/died-run.js'
import { removeRunTree } from '../../platforms/local/run-process/trees.js'
import { multiHostHint } from '../../experiment/agent-semantics.js'
import type { ClusterGrant } from '../../engine/kubernetes-system.js'
import {
  disposeSpareRunProcess,
  prewarmRunProcess,
  startRunChild,
  type RunChild,
} from '../../platforms/local/run-process/child.js'

export interface EmbeddedAgentDeps {
  store: Store
  /** `track`, when the recorder has it, saves a store read per run. */
  recorder: Recorder & Partial<Pick<RunRecorder, 'track'>>
  /** How runs execute user-supplied commands (`ordeal server --run-as`). */
  exec?: ExecPolicy
  log(line: string): void
  /**
   * How long a start waits for the run process to say `started` before killing it: a process
   * that never answers (stopped, wedged before its engine runs) must not hang `POST /api/runs`.
   * Default: `ORDEAL_RUN_START_TIMEOUT_MS` (tests), else 30 s.
   */
  startTimeoutMs?: number
  /** `ordeal server --kubeconfig/--context`: the cluster its runs use; absent: none. */
  cluster?: ClusterGrant
}

const kStartTimeoutMs = 30_000

interface Running {
  child: RunChild
  /** Aborts the run, remembering why (for the journal, should the process die meanwhile). */
  abort(kind: 'signal' | 'error', reason: string): void
  experimentId: string
  /** Settles once the run's end is recorded. */
  done: Promise<void>
}

export function createEmbeddedAgent(deps: EmbeddedAgentDeps): Agent {
  const { store, recorder, log } = deps
  const exec = deps.exec ?? kScrubbedPolicy
  const startTimeoutMs =
    deps.startTimeoutMs ?? (Number(process.env['ORDEAL_RUN_START_TIMEOUT_MS']) || kStartTimeoutMs)
  const runs = new Map<string, Running>()
  // Run processes forked but not yet started: shutdown aborts and awaits them too.
  const starting = new Set<RunChild>()
  // Claimed synchronously, before any await, so two concurrent starts cannot both pass.
  const busy = new Set<string>()
  // Set when shutdown begins: a start must not begin a run that shutdown would not see.
  let closing = false
  const refuseWhenClosing = () => {
    if (closing) {
      throw new HttpError(503, 'unavailable', 'the server is shutting down')
    }
  }
  // A run process with the engine loaded waits for the next start (about 75 MB while idle).
  prewarmRunProcess()

  const start = async (experiment: Experiment, by: Actor, version?: number) => {
    refuseWhenClosing()
    if (busy.has(experiment.id)) {
      throw new HttpError(
        409,
        'conflict',
        `experiment ${experiment.name} already has a running run`
      )
    }
    busy.add(experiment.id)
    let child: RunChild | undefined
    try {
      const yaml =
        version === undefined || version === experiment.version
          ? experiment.yaml
          : (await store.getExperimentVersion(experiment.id, version))?.yaml
      if (yaml === undefined) {
        throw notFound(`version ${version} of experiment ${experiment.name}`)
      }
      // Checked here, so a bad manifest is a 400 rather than a failed process.
      const manifest = loadManifest(yaml)
      // A multi-host experiment runs only on its agents (POST /api/runs with `agents`).
      const logical = (manifest.system.agents ?? []).map((a) => a.name)
      if (logical.length > 0) {
        throw new HttpError(400, 'validation', `body.agents: ${multiHostHint(logical)}`)
      }
      refuseWhenClosing()

      // The run row must exist before its events: hold them until it does.
      let held: JournalEvent[] | undefined = []
      // Chosen here rather than by the engine, so a run process that never says `started` still
      // leaves a run (ended in error) to show for the start, and its ledger can be recovered.
      let runId = newRunId(experiment.name, new Date())
      let lastSeq = -1
      const onEvents = (events: JournalEvent[]) => {
        for (const event of events) {
          lastSeq = Math.max(lastSeq, event.seq)
        }
        if (held) {
          held.push(...events)
        } else {
          recorder.append(runId, events).catch(() => undefined)
        }
      }
      const running = startRunChild({
        name: safeName(experiment.name),
        yaml,
        exec,
        onEvents,
        runId,
        // Only the cluster the operator gave (ordeal server --kubeconfig); without one, a run
        // with spec.system.kubernetes is refused in one line rather than using the server
        // user's ~/.kube/config.
        cluster: deps.cluster ?? { owner: 'Chaos Center' },
      })
      prewarmRunProcess()
      child = running
      starting.add(running)
      let abortedBy: { kind: 'signal' | 'error'; reason: string } | undefined
      const abort = (kind: 'signal' | 'error', reason: string) => {
        abortedBy ??= { kind, reason }
        running.abort(kind, reason)
      }
      let timer: NodeJS.Timeout | undefined
      const noAnswer = new Promise<string>((resolve) => {
        timer = setTimeout(() => {
          // Killed rather than aborted: it does not answer. Recorded like a run process that
          // died (below): its watchdog or the server rolls back whatever it began.
          const reason = `the run process did not start the run within ${seconds(startTimeoutMs)}; it was killed`
          abortedBy ??= { kind: 'error', reason }
          log(`run ${runId}: ${reason}`)
          running.kill()
          resolve(runId)
        }, startTimeoutMs)
      })
      try {
        runId = await Promise.race([running.started, noAnswer])
      } finally {
        clearTimeout(timer)
        starting.delete(running)
      }
      // Shutdown began while the process started: it aborted it; refuse rather than record it.
      // From here to runs.set nothing awaits, so shutdown either sees this run or this check.
      refuseWhenClosing()
      let recorded!: (ok: boolean) => void
      const created = new Promise<boolean>((resolve) => {
        recorded = resolve
      })
      const done = running.exited
        .then(async ({ ended, how }) => {
          const ok = await created
          if (!ok) {
            return // a run whose row could not be created has nothing to finish
          }
          if (!ended) {
            // Died without its end (killed, out of memory): its watchdog rolls faults back, or,
            // when it died too, the server does once the run's lock is free (the server stays
            // up: waiting for its next start would leave the faults in place). The journal says
            // what happened, and the verdict is not a pass.
            const reason = `the run process died (${how})`
            log(`run ${runId}: ${reason}`)
            const recovered = await recoverDiedRun(runId, log).catch((error: unknown) => {
              log(`run ${runId}: could not recover its ledger: ${String(error)}`)
              return undefined
            })
            removeRunTree(runId, log)
            const t = Date.now()
            const events: JournalEvent[] = []
            if (lastSeq < 0) {
              // It never got as far as its journal: a plan-less start makes the run readable.
              events.push({
                type: 'run.started',
                runId,
                experiment: experiment.name,
                hypothesis: manifest.hypothesis,
                plan: [],
                seq: ++lastSeq,
                t,
              })
            }
            events.push({
              type: 'run.aborted',
              kind: abortedBy?.kind ?? 'error',
              reason: abortedBy?.reason ?? reason,
              seq: ++lastSeq,
              t,
            })
            if (recovered) {
              events.push({ ...recovered, seq: ++lastSeq, t } as JournalEvent)
            }
            events.push({ type: 'run.ended', seq: ++lastSeq, t })
            await recorder.append(runId, events).catch(() => undefined)
          }
          const summary = await recorder.finish(runId)
          log(`run ${runId} ended: ${summary.verdict ?? summary.status}`)
        })
        .catch((error: unknown) => log(`run ${runId}: recording its end failed: ${String(error)}`))
        .finally(() => {
          runs.delete(runId)
          busy.delete(experiment.id)
        })
      runs.set(runId, { child: running, abort, experimentId: experiment.id, done })
      recorder.track?.(runId, experiment.name)
      let summary: RunSummary
      try {
        summary = await store.createRun({
          id: runId,
          experimentId: experiment.id,
          experimentVersion: version ?? experiment.version,
          source: 'server',
          startedBy: by.id,
          startedByName: by.name,
          ...(by.via !== undefined ? { startedVia: by.via } : {}),
          startedAt: new Date().toISOString(),
        })
      } catch (error) {
        recorded(false)
        // Started but not recorded (the store failed): stop it rather than run it unseen.
        abort('error', `could not record the run: ${String(error)}`)
        throw error
      }
      recorder.append(runId, held).catch(() => undefined)
      held = undefined
      recorded(true)
      log(`run ${runId} started (experiment ${experiment.name}, by ${by.name})`)
      return summary
    } catch (error) {
      if (child && ![...runs.values()].some((r) => r.child === child)) {
        child.abort('error', 'the run could not start')
        await child.exited
        busy.delete(experiment.id)
      }
      if (!child) {
        busy.delete(experiment.id)
      }
      throw error
    }
  }

  return {
    start,
    abort(runId, reason) {
      const run = runs.get(runId)
      if (!run) {
        return false
      }
      run.abort('signal', reason)
      return true
    },
    running: () => [...runs.keys()],
    async shutdown() {
      closing = true
      disposeSpareRunProcess()
      const all = [...runs.values()]
      for (const run of all) {
        run.abort('signal', 'the server is shutting down')
      }
      for (const child of starting) {
        child.abort('signal', 'the server is shutting down')
      }
      await Promise.all([
        ...all.map((run) => run.done),
        ...[...starting].map((child) => child.exited),
      ])
    },
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}

/** Experiment names are DNS-like already; this only keeps a path out of the file name. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_')
}
