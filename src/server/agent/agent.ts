/**
 * The embedded agent: executes runs inside the server process with the same engine as `ordeal
 * run`, so a run started from the UI behaves exactly like one started from a terminal (same
 * watchdog: if the server dies, the run's detached watchdog still rolls its faults back). Its
 * events take the recorder's path, like a recorded run's.
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { startRun, type RunHandle } from '../../engine/runner.js'
import type { JournalEvent } from '../../engine/events.js'
import { loadManifest } from '../api/manifest.js'
import type { Agent, Recorder } from '../context.js'
import type { Experiment, RunSummary, User } from '../../shared/api.js'
import { HttpError, notFound } from '../http/route.js'
import type { Store } from '../store/contract.js'
import type { RunRecorder } from './recorder.js'

export interface EmbeddedAgentDeps {
  store: Store
  /** `track`, when the recorder has it, saves a store read per run. */
  recorder: Recorder & Partial<Pick<RunRecorder, 'track'>>
  /** Where each experiment's YAML is written before a run, so relative paths have a home. */
  workDir: string
  log(line: string): void
}

interface Running {
  handle: RunHandle
  experimentId: string
  /** Settles once the run's end is recorded. */
  done: Promise<void>
}

export function createEmbeddedAgent(deps: EmbeddedAgentDeps): Agent {
  const { store, recorder, log } = deps
  const runs = new Map<string, Running>()
  // Claimed synchronously, before any await, so two concurrent starts cannot both pass.
  const busy = new Set<string>()
  // Set when shutdown begins: a start must not begin a run that shutdown would not see.
  let closing = false
  const refuseWhenClosing = () => {
    if (closing) {
      throw new HttpError(503, 'unavailable', 'the server is shutting down')
    }
  }

  const start = async (experiment: Experiment, by: User, version?: number) => {
    refuseWhenClosing()
    if (busy.has(experiment.id)) {
      throw new HttpError(
        409,
        'conflict',
        `experiment ${experiment.name} already has a running run`
      )
    }
    busy.add(experiment.id)
    let handle: RunHandle | undefined
    try {
      const yaml =
        version === undefined || version === experiment.version
          ? experiment.yaml
          : (await store.getExperimentVersion(experiment.id, version))?.yaml
      if (yaml === undefined) {
        throw notFound(`version ${version} of experiment ${experiment.name}`)
      }
      const file = path.join(deps.workDir, `${safeName(experiment.name)}.yaml`)
      await mkdir(deps.workDir, { recursive: true })
      await writeFile(file, yaml)
      const loaded = loadManifest(yaml, file)

      // run.started is emitted before startRun returns, and the run row must exist before its
      // events: hold them until it does.
      let held: JournalEvent[] | undefined = []
      let runId = ''
      const onEvent = (event: JournalEvent) => {
        if (held) {
          held.push(event)
        } else {
          recorder.append(runId, [event]).catch(() => undefined)
        }
      }
      // The awaits above gave shutdown a chance to begin; from startRun to runs.set nothing
      // awaits, so shutdown either sees this run or this start sees `closing`.
      refuseWhenClosing()
      handle = startRun(loaded, { onEvent })
      runId = handle.runId
      const running = handle
      let recorded!: (ok: boolean) => void
      const created = new Promise<boolean>((resolve) => {
        recorded = resolve
      })
      const done = running.result
        .then(
          (result) =>
            log(`run ${runId} ended: ${result.verdict} (score ${result.resilienceScore})`),
          (error: unknown) => log(`run ${runId} failed: ${String(error)}`)
        )
        // A run whose row could not be created has nothing to finish.
        .then(() => created)
        .then((ok) => (ok ? recorder.finish(runId) : undefined))
        .then(
          () => undefined,
          (error: unknown) => log(`run ${runId}: recording its end failed: ${String(error)}`)
        )
        .finally(() => {
          runs.delete(runId)
          busy.delete(experiment.id)
        })
      // Tracked before the first await, so a shutdown meanwhile aborts and awaits it too.
      runs.set(runId, { handle: running, experimentId: experiment.id, done })
      recorder.track?.(runId, experiment.name)
      let summary: RunSummary
      try {
        summary = await store.createRun({
          id: runId,
          experimentId: experiment.id,
          experimentVersion: version ?? experiment.version,
          source: 'server',
          startedBy: by.id,
          startedAt: new Date().toISOString(),
        })
      } catch (error) {
        recorded(false)
        throw error
      }
      recorder.append(runId, held).catch(() => undefined)
      held = undefined
      recorded(true)
      log(`run ${runId} started (experiment ${experiment.name}, by ${by.name})`)
      return summary
    } catch (error) {
      if (handle) {
        // Started but not recorded (the store failed): stop it rather than run it unseen.
        handle.abort('error', `could not record the run: ${String(error)}`)
        await handle.result.catch(() => undefined)
      }
      busy.delete(experiment.id)
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
      run.handle.abort('signal', reason)
      return true
    },
    running: () => [...runs.keys()],
    async shutdown() {
      closing = true
      const all = [...runs.values()]
      for (const run of all) {
        run.handle.abort('signal', 'the server is shutting down')
      }
      await Promise.all(all.map((run) => run.done))
    },
  }
}

/** Experiment names are DNS-like already; this only keeps a path out of the file name. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_')
}
