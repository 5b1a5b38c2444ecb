/**
 * Recording a run executed elsewhere (`ordeal run --server`): the CLI registers the run with
 * its manifest and engine run id before starting, streams its journal in ordered batches, and
 * finishes it. The server derives the result from the stored journal, exactly as for its own
 * runs, so a recorded run and a server run are indistinguishable on the run page.
 * @module
 */
import { actorOf } from '../auth/actor.js'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'
import { idParams } from '../api/schemas.js'
import type { JournalEvent, RunSummary, User } from '../../shared/api.js'
import type { Store } from '../store/contract.js'
import { experimentFor } from '../api/experiment-for.js'
import { eventsBody, recordBody, runSummarySchema } from './run-schemas.js'

export const recordRoutes: RouteDef[] = [
  defineRoute({
    method: 'POST',
    url: '/api/runs/record',
    access: 'editor',
    tag: 'runs',
    summary:
      'Register a run executed by `ordeal run --server` (creates or versions the experiment by its manifest name)',
    body: recordBody,
    response: runSummarySchema,
    status: 201,
    async handler({ body, ctx, caller }) {
      const existing = await ctx.store.getRunSummary(body.runId)
      if (existing) {
        // A retried registration (its response was lost): same run, same answer; but only to
        // the user who registered it (the run id is the CLI's, anyone may send it).
        ownedBy(existing, caller!.user)
        return existing
      }
      const actor = actorOf(caller!)
      const { experiment, version } = await experimentFor(ctx.store, body.yaml, actor, {
        updateExperiment: body.updateExperiment ?? false,
      })
      if (version === experiment.version) {
        // Created, or made current (--update-experiment): its schedules and triggers follow.
        await ctx.changes.publish(experiment.id)
      }
      const run = await ctx.store.createRun({
        id: body.runId,
        experimentId: experiment.id,
        experimentVersion: version,
        source: 'cli',
        startedBy: actor.id,
        startedByName: actor.name,
        ...(actor.via !== undefined ? { startedVia: actor.via } : {}),
        startedAt: new Date().toISOString(),
      })
      // Interrupted if nothing arrives for the idle timeout: an abandoned recording ends.
      ctx.recorder.watch(run.id, experiment.name)
      return run
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/runs/:id/events',
    access: 'editor',
    rate: 'ingest',
    tag: 'runs',
    summary: 'Append a batch of journal events to a recorded run (idempotent per seq)',
    params: idParams,
    body: eventsBody,
    async handler({ params, body, ctx, caller }) {
      await recordedRun(ctx.store, params.id, caller!.user)
      await ctx.recorder.append(params.id, body.events as unknown as JournalEvent[])
      return { accepted: body.events.length }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/runs/:id/finish',
    access: 'editor',
    tag: 'runs',
    summary: 'End a recorded run: the result is derived from its stored journal',
    params: idParams,
    response: runSummarySchema,
    async handler({ params, ctx, caller }) {
      const run = await ctx.store.getRunSummary(params.id)
      if (!run) {
        throw notFound(`run ${params.id}`)
      }
      if (run.source !== 'cli') {
        throw new HttpError(409, 'conflict', `run ${run.id} is executed by the server`)
      }
      ownedBy(run, caller!.user)
      if (run.status === 'finished') {
        // A retried finish (its response was lost): same run, same answer.
        return run
      }
      if (run.status !== 'running') {
        // Aborted from the UI, or left running by a previous server: not the CLI's to end.
        throw new HttpError(409, 'conflict', `run ${run.id} has ended (${run.status})`)
      }
      return ctx.recorder.finish(run.id)
    },
  }),
]

async function recordedRun(store: Store, id: string, caller: User) {
  const run = await store.getRunSummary(id)
  if (!run) {
    throw notFound(`run ${id}`)
  }
  if (run.source !== 'cli') {
    throw new HttpError(409, 'conflict', `run ${id} is executed by the server`)
  }
  ownedBy(run, caller)
  if (run.status !== 'running') {
    throw new HttpError(409, 'conflict', `run ${id} has ended (${run.status})`)
  }
  return run
}

/**
 * A recorded run is fed and ended only by the user who registered it: another editor could
 * otherwise forge its events (the first copy of a seq is kept) or end it early (issue 12).
 */
function ownedBy(run: RunSummary, user: User): void {
  if (run.startedBy !== user.id) {
    throw new HttpError(403, 'forbidden', `run ${run.id} is recorded by another user`)
  }
}
