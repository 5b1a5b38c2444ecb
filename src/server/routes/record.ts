/**
 * Recording a run executed elsewhere (`ordeal run --server`): the CLI registers the run with
 * its manifest and engine run id before starting, streams its journal in ordered batches, and
 * finishes it. The server derives the result from the stored journal, exactly as for its own
 * runs, so a recorded run and a server run are indistinguishable on the run page.
 * @module
 */
import { newId } from '../auth/secrets.js'
import { parse } from 'yaml'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'
import { idParams } from '../api/schemas.js'
import { ValidationError } from '../api/validation.js'
import type { Experiment, JournalEvent, User } from '../../shared/api.js'
import type { Store } from '../store/contract.js'
import { summaryOf } from '../agent/recorder.js'
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
      const existing = await ctx.store.getRun(body.runId)
      if (existing) {
        // A retried registration (its response was lost): same run, same answer.
        return summaryOf(existing)
      }
      const experiment = await experimentFor(ctx.store, body.yaml, caller!.user)
      return ctx.store.createRun({
        id: body.runId,
        experimentId: experiment.id,
        experimentVersion: experiment.version,
        source: 'cli',
        startedBy: caller!.user.id,
        startedAt: new Date().toISOString(),
      })
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/runs/:id/events',
    access: 'editor',
    tag: 'runs',
    summary: 'Append a batch of journal events to a recorded run (idempotent per seq)',
    params: idParams,
    body: eventsBody,
    async handler({ params, body, ctx }) {
      await recordedRun(ctx.store, params.id)
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
    async handler({ params, ctx }) {
      const run = await ctx.store.getRun(params.id)
      if (!run) {
        throw notFound(`run ${params.id}`)
      }
      if (run.source !== 'cli') {
        throw new HttpError(409, 'conflict', `run ${run.id} is executed by the server`)
      }
      if (run.status !== 'running') {
        return summaryOf(run)
      }
      return ctx.recorder.finish(run.id)
    },
  }),
]

async function recordedRun(store: Store, id: string) {
  const run = await store.getRun(id)
  if (!run) {
    throw notFound(`run ${id}`)
  }
  if (run.source !== 'cli') {
    throw new HttpError(409, 'conflict', `run ${id} is executed by the server`)
  }
  if (run.status !== 'running') {
    throw new HttpError(409, 'conflict', `run ${id} has ended (${run.status})`)
  }
  return run
}

/**
 * The experiment the manifest names: created when missing, given a new version when the YAML
 * differs from its current one, so the history shows which manifest each recorded run used.
 * Only the name and hypothesis are read here: the manifest already loaded on the recording
 * machine, with its variables and files, which this server may not have.
 */
async function experimentFor(store: Store, yaml: string, by: User): Promise<Experiment> {
  const { name, hypothesis } = identity(yaml)
  const now = new Date().toISOString()
  const current = await store.getExperimentByName(name)
  if (!current) {
    return store.createExperiment({
      id: newId('exp'),
      name,
      hypothesis,
      yaml,
      createdBy: by.id,
      createdAt: now,
    })
  }
  if (current.yaml === yaml) {
    return current
  }
  const updated = await store.updateExperiment(current.id, {
    name,
    hypothesis,
    yaml,
    createdBy: by.id,
    createdAt: now,
  })
  if (!updated) {
    throw notFound(`experiment ${name}`)
  }
  return updated
}

function identity(yaml: string): { name: string; hypothesis: string } {
  let doc: unknown
  try {
    doc = parse(yaml, { logLevel: 'error' })
  } catch (error) {
    throw new ValidationError([{ path: 'body.yaml', message: `not YAML: ${String(error)}` }])
  }
  const root = (doc ?? {}) as { metadata?: { name?: unknown }; spec?: { hypothesis?: unknown } }
  const name = root.metadata?.name
  if (typeof name !== 'string' || name === '') {
    throw new ValidationError([{ path: 'body.yaml', message: 'metadata.name: Required' }])
  }
  const hypothesis = root.spec?.hypothesis
  return { name, hypothesis: typeof hypothesis === 'string' ? hypothesis : '' }
}
