/**
 * Runs: start one on the embedded agent or place it on a remote agent (queued until one is
 * connected and free), submit a manifest with its files to an agent (`ordeal run --agent`),
 * abort or cancel it, list them, read one with its result, and page through its journal.
 * Starting and aborting change state (editor); reading is for everyone with a token (viewer).
 * @module
 */
import { z } from 'zod'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'
import type { ServerContext } from '../context.js'
import type { RunSummary } from '../../shared/api.js'
import { actorOf } from '../auth/actor.js'
import { idParams } from '../api/schemas.js'
import { eventPageJson, readTurn } from './event-page.js'
import {
  eventPageSchema,
  eventsQuery,
  isEnded,
  listRunsQuery,
  runSchema,
  runSummarySchema,
  startRunBody,
  SUBMIT_BODY_LIMIT,
  submitRunBody,
} from './run-schemas.js'
import { declaredAgents, placementOf, queueRun } from './run-placement.js'
import { loadManifest } from '../api/manifest.js'
import { experimentFor } from '../api/experiment-for.js'
import { causeOf } from '../continuous/launch.js'
import { versionOrigin } from '../git/origin.js'

const DEFAULT_PAGE = 500

export const runRoutes: RouteDef[] = [
  defineRoute({
    method: 'POST',
    url: '/api/runs',
    access: 'editor',
    tag: 'runs',
    summary:
      "Start a run of an experiment's current (or given) version on the server, or place it on an agent (by name or labels: queued until one is free), or a multi-host experiment's logical agents on agents (`agents`)",
    body: startRunBody,
    response: runSummarySchema,
    status: 201,
    async handler({ body, ctx, caller }) {
      if (body.agent !== undefined && body.labels !== undefined) {
        throw new HttpError(400, 'validation', 'body: give agent or labels, not both')
      }
      const experiment = await ctx.store.getExperiment(body.experimentId)
      if (!experiment) {
        throw notFound(`experiment ${body.experimentId}`)
      }
      const version = body.version ?? experiment.version
      const yaml =
        version === experiment.version
          ? experiment.yaml
          : (await ctx.store.getExperimentVersion(experiment.id, version))?.yaml
      if (yaml === undefined) {
        throw notFound(`version ${version} of experiment ${experiment.name}`)
      }
      const placement = await placementOf(ctx, body, declaredAgents(yaml))
      if (placement === undefined) {
        return ctx.agent.start(experiment, actorOf(caller!), body.version)
      }
      // Checked here, so a bad manifest is a 400 rather than a run the agent rejects.
      loadManifest(yaml)
      return queueRun(ctx, {
        experiment,
        version,
        placement,
        request: body,
        by: actorOf(caller!),
      })
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/runs/submit',
    access: 'editor',
    tag: 'runs',
    summary:
      'Place a manifest with its variables and files on an agent (`ordeal run --agent`): the experiment is created or versioned by its name, the run queued',
    body: submitRunBody,
    bodyLimit: SUBMIT_BODY_LIMIT,
    response: runSummarySchema,
    status: 201,
    async handler({ body, ctx, caller }) {
      if (body.agent === undefined && body.labels === undefined && body.agents === undefined) {
        throw new HttpError(400, 'validation', 'body: give agent, labels or agents')
      }
      // Placement first: a typo in the agent's name creates no experiment and no version.
      const placement = (await placementOf(ctx, body, declaredAgents(body.yaml)))!
      const actor = actorOf(caller!)
      const { experiment, version } = await experimentFor(ctx.store, body.yaml, actor, {
        vars: body.vars,
      })
      if (version === experiment.version) {
        await ctx.changes.publish(experiment.id)
      }
      return queueRun(ctx, {
        experiment,
        version,
        placement,
        request: body,
        by: actor,
        bundle: { vars: body.vars, ...(body.bundle !== undefined ? { data: body.bundle } : {}) },
      })
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/runs/:id/abort',
    access: 'editor',
    tag: 'runs',
    summary: 'Abort a running run: faults are rolled back, the verdict is interrupted',
    params: idParams,
    response: runSummarySchema,
    async handler({ params, ctx, caller }) {
      const run = await ctx.store.getRunSummary(params.id)
      if (!run) {
        throw notFound(`run ${params.id}`)
      }
      const reason = `aborted by ${caller!.user.name}`
      if (run.source === 'agent') {
        return abortPlaced(ctx, run, caller!.user.name)
      }
      if (run.source === 'cli') {
        // Executed elsewhere: the CLI cannot be stopped from here, but its recording can be
        // ended (interrupted); its later events and finish are refused with 409.
        if (run.status !== 'running') {
          throw new HttpError(409, 'conflict', `run ${run.id} has ended (${run.status})`)
        }
        return ctx.recorder.interrupt(run.id, reason)
      }
      if (!ctx.agent.abort(run.id, reason)) {
        throw new HttpError(409, 'conflict', `run ${run.id} is not running on this server`)
      }
      return run
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/runs',
    access: 'viewer',
    tag: 'runs',
    summary: 'List runs, newest first',
    query: listRunsQuery,
    response: z.array(runSummarySchema),
    handler: ({ query, ctx }) =>
      ctx.store.listRuns({
        ...(query.experimentId === undefined ? {} : { experimentId: query.experimentId }),
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.before === undefined ? {} : { before: query.before }),
      }),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/runs/:id',
    access: 'viewer',
    tag: 'runs',
    summary: 'A run with its result (once ended) and its event count',
    params: idParams,
    response: runSchema,
    async handler({ params, ctx }) {
      const run = await ctx.store.getRun(params.id)
      if (!run) {
        throw notFound(`run ${params.id}`)
      }
      const cause = await causeOf(ctx, run.id)
      const origin = await versionOrigin(ctx.store, run.experimentId, run.experimentVersion)
      const context = {
        ...(cause !== undefined ? { cause } : {}),
        ...(origin !== undefined ? { origin } : {}),
      }
      if (run.placement !== undefined && 'parts' in run.placement) {
        const parts = await ctx.store.listRunParts(run.id)
        return {
          ...run,
          ...context,
          parts: parts.map(({ runId: _, lastSeq: __, ...part }) => part),
        }
      }
      return { ...run, ...context }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/runs/:id/events',
    access: 'viewer',
    tag: 'runs',
    summary: "A page of the run's journal, by seq (`exclude=op` leaves the history ops out)",
    params: idParams,
    query: eventsQuery,
    response: eventPageSchema,
    raw: true,
    async handler({ params, query, ctx, reply }) {
      if (!(await ctx.store.getRunSummary(params.id))) {
        throw notFound(`run ${params.id}`)
      }
      const limit = query.limit ?? DEFAULT_PAGE
      const excludeTypes = (query.exclude ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '')
      // A live run's page stops where the live stream stands, so a client that pages up to
      // `next` and then follows the stream with `after=` misses nothing stored past a gap.
      const until = ctx.recorder.releasedSeq(params.id)
      // Reads take turns with everything else on the event loop (ingest above all).
      await readTurn()
      // One more than asked tells whether another page follows.
      const rows = await ctx.store.listEventTexts(params.id, {
        ...(query.after === undefined ? {} : { after: query.after }),
        until,
        limit: limit + 1,
        ...(excludeTypes.length === 0 ? {} : { excludeTypes }),
      })
      return reply
        .code(200)
        .type('application/json; charset=utf-8')
        .send(eventPageJson(rows, limit))
    },
  }),
]

/**
 * A queued run is cancelled (`cancelled by alice while queued`); a run on an agent is asked to
 * abort, and ends with the agent's `run.ended` once its faults are rolled back.
 */
async function abortPlaced(ctx: ServerContext, run: RunSummary, by: string): Promise<RunSummary> {
  if (isEnded(run.status)) {
    throw new HttpError(409, 'conflict', `run ${run.id} has ended (${run.status})`)
  }
  const reason = run.status === 'queued' ? `cancelled by ${by} while queued` : `aborted by ${by}`
  if (!(await ctx.fleet.abort(run.id, reason))) {
    throw new HttpError(409, 'conflict', `run ${run.id} is neither queued nor running on an agent`)
  }
  return (await ctx.store.getRunSummary(run.id)) ?? run
}
