/**
 * The Chaos Center's scheduler as `ctx.schedules`: scheduler.ts wired to the server (the
 * store's experiments, `launchRun` with a `schedule` cause, aborting runs for Replace), and
 * re-reading an experiment's schedules whenever it is created, changed or deleted.
 * @module
 */
import type { ContinuousDeps } from '../continuous/deps.js'
import { launchRun } from '../continuous/launch.js'
import type { ServerContext } from '../context.js'
import { HttpError } from '../http/route.js'
import type { Schedules } from './contract.js'
import { createScheduler, type ActiveRun, type ExperimentRef } from './scheduler.js'

/** How long Replace waits for the runs it aborted to end (their rollback) before launching. */
export const REPLACE_WAIT_MS = 60_000

export function createSchedules(deps: ContinuousDeps): Schedules {
  let unsubscribe: (() => void) | undefined
  const scheduler = createScheduler({
    clock: deps.clock,
    get sql() {
      return deps.ctx.store.sql
    },
    log: (line) => deps.ctx.log(line),
    async experiments() {
      const { store } = deps.ctx
      const refs: ExperimentRef[] = []
      for (const summary of await store.listExperiments()) {
        const experiment = await store.getExperiment(summary.id)
        if (experiment !== undefined) {
          refs.push({ id: experiment.id, name: experiment.name, yaml: experiment.yaml })
        }
      }
      return refs
    },
    async experiment(id) {
      const experiment = await deps.ctx.store.getExperiment(id)
      return experiment && { id: experiment.id, name: experiment.name, yaml: experiment.yaml }
    },
    async launch(ref, def, dueAt) {
      const experiment = await deps.ctx.store.getExperiment(ref.id)
      if (experiment === undefined) {
        throw new HttpError(404, 'not_found', `experiment ${ref.name} was deleted`)
      }
      const run = await launchRun(deps.ctx, {
        experiment,
        cause: { kind: 'schedule', schedule: def.name, dueAt },
        ...(def.placement !== undefined ? { placement: def.placement } : {}),
      })
      return run.id
    },
    replace: (runs, reason) => replaceRuns(deps, runs, reason),
  })
  return {
    async start() {
      unsubscribe = deps.changes.subscribe((id) => scheduler.experimentChanged(id))
      await scheduler.start()
    },
    experimentChanged: (id) => scheduler.experimentChanged(id),
    list: (id, page) => scheduler.list(id, page),
    ticks: (id, name, limit) => scheduler.ticks(id, name, limit),
    setPaused: (id, name, paused, by) => scheduler.setPaused(id, name, paused, by.name),
    async stop() {
      unsubscribe?.()
      await scheduler.stop()
    },
  }
}

/**
 * Aborts the runs (faults rolled back by their own path) and resolves once each has ended, or
 * after REPLACE_WAIT_MS (real time: a rollback is real work, whatever the schedule's clock).
 */
async function replaceRuns(deps: ContinuousDeps, runs: ActiveRun[], reason: string) {
  const ctx: ServerContext = deps.ctx
  const waiting = new Set(runs.map((r) => r.id))
  let done!: () => void
  const ended = new Promise<void>((resolve) => (done = resolve))
  const unsubscribe = deps.runEnded.subscribe((run) => {
    waiting.delete(run.id)
    if (waiting.size === 0) {
      done()
    }
  })
  const deadline = Date.now() + REPLACE_WAIT_MS
  const bound = setTimeout(done, REPLACE_WAIT_MS)
  bound.unref()
  try {
    for (const run of runs) {
      try {
        if (run.source === 'agent') {
          await ctx.fleet.abort(run.id, reason)
        } else if (run.source === 'cli') {
          await ctx.recorder.interrupt(run.id, reason)
        } else {
          ctx.agent.abort(run.id, reason)
        }
      } catch (error) {
        // Ended meanwhile (409): nothing left to replace.
        ctx.log(`schedule: could not abort run ${run.id}: ${String(error)}`)
      }
    }
    // Some may have ended before the subscription saw them.
    for (const run of runs) {
      const now = await ctx.store.getRunSummary(run.id)
      if (now === undefined || !['queued', 'running'].includes(now.status)) {
        waiting.delete(run.id)
      }
    }
    if (waiting.size > 0) {
      await ended
    }
    // The embedded agent frees the experiment's slot just after publishing the end.
    const ids = new Set(runs.map((r) => r.id))
    while (ctx.agent.running().some((id) => ids.has(id)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  } finally {
    clearTimeout(bound)
    unsubscribe()
  }
}
