/**
 * Recording a run executed elsewhere (`ordeal run --server`): the CLI registers the run with
 * its manifest and engine run id before starting, streams its journal in ordered batches, and
 * finishes it. The server derives the result from the stored journal, exactly as for its own
 * runs, so a recorded run and a server run are indistinguishable on the run page.
 * @module
 */
import { actorOf, authorOf, type Actor } from '../auth/actor.js'
import { newId } from '../auth/secrets.js'
import { manifestLabels } from '../api/labels.js'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'
import { idParams } from '../api/schemas.js'
import { ValidationError } from '../api/validation.js'
import type { Experiment, JournalEvent, RunSummary, User } from '../../shared/api.js'
import { StoreConflictError, type Store } from '../store/contract.js'
import { loadManifest, MANIFEST_FILE, manifestIssues } from '../api/manifest.js'
import { experimentNameSchema } from '../api/names.js'
import { ManifestError } from '../../experiment/errors.js'
import { parseManifestYaml } from '../../experiment/load.js'
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
      const { experiment, version } = await versionFor(
        ctx.store,
        body.yaml,
        actor,
        body.updateExperiment ?? false
      )
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

/**
 * The experiment the manifest names and the version the run records against (issue 13 §5).
 * A CI run never silently replaces what someone saved in the UI:
 * - no experiment of that name: created, the manifest is its version 1 (and current);
 * - the manifest equals the current version, or an older one: that version, nothing added;
 * - otherwise a new version is added that does NOT become current, so the history shows
 *   which manifest the run used while the UI's version stays the one that runs next;
 * - `updateExperiment` (`--update-experiment`): a manifest other than the current one becomes
 *   the new current version, as a save from the UI would.
 */
async function versionFor(
  store: Store,
  yaml: string,
  by: Actor,
  updateExperiment: boolean
): Promise<{ experiment: Experiment; version: number }> {
  const { name, hypothesis } = checkManifest(yaml) ?? identity(yaml)
  const now = new Date().toISOString()
  const labels = manifestLabels(yaml)
  let current = await store.getExperimentByName(name)
  if (!current) {
    try {
      const created = await store.createExperiment({
        id: newId('exp'),
        name,
        hypothesis,
        labels,
        yaml,
        ...authorOf(by),
        createdAt: now,
      })
      return { experiment: created, version: created.version }
    } catch (error) {
      // Two first recordings of a new name at once: the other one created it; use it.
      if (!(error instanceof StoreConflictError)) {
        throw error
      }
      current = await store.getExperimentByName(name)
      if (!current) {
        throw error
      }
    }
  }
  if (current.yaml === yaml) {
    return { experiment: current, version: current.version }
  }
  if (updateExperiment) {
    const updated = await store.updateExperiment(current.id, {
      name,
      hypothesis,
      labels,
      yaml,
      ...authorOf(by),
      createdAt: now,
    })
    if (!updated) {
      throw notFound(`experiment ${name}`)
    }
    return { experiment: updated, version: updated.version }
  }
  // An existing version with this YAML is answered as it is (the store checks atomically).
  const added = await store.addVersion(current.id, { yaml, ...authorOf(by), createdAt: now })
  if (!added) {
    throw notFound(`experiment ${name}`)
  }
  return { experiment: current, version: added.version }
}

/**
 * The same checks as a manifest saved from the UI, but the manifest was already loaded on the
 * recording machine with its variables, which this server does not have: unset `${NAME}`
 * variables are accepted. (They stop the load before the schema checks, so such a manifest
 * is checked for YAML and a name only, by `identity`.) Files are not checked by the load
 * anyway. Answers the manifest's name and hypothesis when it loaded, undefined otherwise.
 */
function checkManifest(yaml: string): { name: string; hypothesis: string } | undefined {
  try {
    const { name, hypothesis } = loadManifest(yaml)
    return { name, hypothesis }
  } catch (error) {
    if (
      error instanceof ValidationError &&
      error.issues.length > 0 &&
      error.issues.every((issue) => UNSET_VARIABLE.test(issue.message))
    ) {
      return undefined
    }
    throw error
  }
}

/** The message of `interpolate` (src/experiment/interpolate.ts) for a variable with no value. */
const UNSET_VARIABLE = /^variable \$\{[A-Za-z_][A-Za-z0-9_]*\} is not set\b/

/**
 * Name and hypothesis of a manifest the loader could not fully check (unset variables). The
 * parse is the loader's linear one: the parser's own duplicate-key check compares every key
 * with every other (75,000 keys blocked the server for 74 s, issue 12); keys, nesting and
 * aliases are bounded as for any manifest, and the name follows the same rule.
 */
function identity(yaml: string): { name: string; hypothesis: string } {
  let root: { metadata?: { name?: unknown }; spec?: { hypothesis?: unknown } }
  try {
    root = (parseManifestYaml(yaml, MANIFEST_FILE) ?? {}) as typeof root
  } catch (error) {
    if (error instanceof ManifestError) {
      throw new ValidationError(manifestIssues(error))
    }
    throw error
  }
  const name = experimentNameSchema.safeParse(root.metadata?.name)
  if (!name.success) {
    const message = root.metadata?.name === undefined ? 'Required' : name.error.issues[0]!.message
    throw new ValidationError([{ path: 'body.yaml', message: `metadata.name: ${message}` }])
  }
  const hypothesis = root.spec?.hypothesis
  return { name: name.data, hypothesis: typeof hypothesis === 'string' ? hypothesis : '' }
}
