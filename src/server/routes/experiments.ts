/**
 * Experiments: stored manifests with every version kept. Create and update run the same
 * validation as `ordeal validate` and refuse an invalid manifest with 400 and one issue per
 * problem, each with its YAML line, so the editor can mark them. Name and hypothesis come from
 * the manifest itself (metadata.name, spec.hypothesis): there is one source of truth.
 * @module
 */
import { z } from 'zod'
import type { ExperimentVersionPage, ValidationResult } from '../../shared/api.js'
import { actorOf, authorOf } from '../auth/actor.js'
import { manifestLabels } from '../api/labels.js'
import { matchesExperiment } from '../../shared/experiment-filter.js'
import { loadManifest } from '../api/manifest.js'
import { newId } from '../auth/secrets.js'
import {
  experimentBody,
  experimentSchema,
  experimentSummarySchema,
  experimentVersionPageSchema,
  experimentVersionSchema,
  idParams,
  listExperimentsQuery,
  updateExperimentBody,
  validateBody,
  validationResultSchema,
  versionParams,
  versionsQuery,
} from '../api/schemas.js'
import { ValidationError } from '../api/validation.js'
import { defineRoute, HttpError, notFound, type RouteDef } from '../http/route.js'
import { DEFAULT_VERSION_LIMIT } from '../store/contract.js'
import { refuseIfGitManaged } from '../git/read-only.js'
import { allOrigins, managerOf, versionOrigins } from '../git/sources-sql.js'

export const experimentRoutes: RouteDef[] = [
  defineRoute({
    method: 'GET',
    url: '/api/experiments',
    access: 'viewer',
    summary:
      'List experiments with their last run, recent scores, labels and running runs; `q` searches name and hypothesis, each `label=k=v` must match',
    tag: 'experiments',
    query: listExperimentsQuery,
    response: z.array(experimentSummarySchema),
    async handler({ ctx, query }) {
      const labels = query.label === undefined ? [] : [query.label].flat()
      // Filtered here, not in SQL: the list is every experiment anyway (no paging), and the
      // same case folding then applies to both stores. The UI applies the same function.
      const filter = { q: query.q ?? '', labels }
      const origins = await allOrigins(ctx.store.sql)
      return (await ctx.store.listExperiments())
        .filter((e) => matchesExperiment(e, filter))
        .map((e) => {
          const origin = origins.get(e.id)
          return origin === undefined ? e : { ...e, origin }
        })
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/experiments/validate',
    access: 'viewer',
    summary: 'Validate a manifest (the same checks as `ordeal validate`); stores nothing',
    tag: 'experiments',
    body: validateBody,
    response: validationResultSchema,
    async handler({ body }): Promise<ValidationResult> {
      try {
        loadManifest(body.yaml)
        return { valid: true, issues: [] }
      } catch (error) {
        if (error instanceof ValidationError) {
          return { valid: false, issues: error.issues }
        }
        throw error
      }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/api/experiments',
    access: 'editor',
    summary: 'Create an experiment from a manifest (version 1); 409 when the name is taken',
    tag: 'experiments',
    body: experimentBody,
    response: experimentSchema,
    status: 201,
    async handler({ body, caller, ctx }) {
      const manifest = loadManifest(body.yaml)
      const created = await ctx.store.createExperiment({
        id: newId('exp'),
        name: manifest.name,
        hypothesis: manifest.hypothesis,
        labels: manifestLabels(body.yaml),
        yaml: body.yaml,
        ...authorOf(actorOf(caller!)),
        createdAt: new Date().toISOString(),
      })
      // Its schedules and triggers start counting now.
      await ctx.changes.publish(created.id)
      return created
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/experiments/:id',
    access: 'viewer',
    summary: 'One experiment with its current YAML',
    tag: 'experiments',
    params: idParams,
    response: experimentSchema,
    async handler({ params, ctx }) {
      const experiment = await ctx.store.getExperiment(params.id)
      if (!experiment) {
        throw notFound(`experiment '${params.id}'`)
      }
      const manager = await managerOf(ctx.store.sql, experiment.id)
      if (manager === undefined) {
        return experiment
      }
      const { source, path, commit } = manager
      return { ...experiment, origin: { source, path, commit } }
    },
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/experiments/:id',
    access: 'editor',
    summary: 'Save a new version; 409 when expectedVersion is stale or the new name is taken',
    tag: 'experiments',
    params: idParams,
    body: updateExperimentBody,
    response: experimentSchema,
    async handler({ params, body, caller, ctx }) {
      await refuseIfGitManaged(ctx.store, params.id)
      const manifest = loadManifest(body.yaml)
      const updated = await ctx.store.updateExperiment(params.id, {
        name: manifest.name,
        hypothesis: manifest.hypothesis,
        labels: manifestLabels(body.yaml),
        yaml: body.yaml,
        ...authorOf(actorOf(caller!)),
        createdAt: new Date().toISOString(),
        ...(body.expectedVersion !== undefined ? { expectedVersion: body.expectedVersion } : {}),
      })
      if (!updated) {
        throw notFound(`experiment '${params.id}'`)
      }
      await ctx.changes.publish(updated.id)
      return updated
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/api/experiments/:id',
    access: 'editor',
    summary: 'Delete an experiment with its versions and runs (409 while a run is going)',
    tag: 'experiments',
    params: idParams,
    status: 204,
    async handler({ params, ctx }) {
      await refuseIfGitManaged(ctx.store, params.id)
      const running = await ctx.store.listRuns({
        experimentId: params.id,
        status: 'running',
        limit: 1,
      })
      if (running.length > 0) {
        throw new HttpError(
          409,
          'conflict',
          `experiment '${params.id}' has a running run (${running[0]!.id}); abort it first`
        )
      }
      if (!(await ctx.store.deleteExperiment(params.id))) {
        throw notFound(`experiment '${params.id}'`)
      }
      await ctx.changes.publish(params.id)
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/experiments/:id/versions',
    access: 'viewer',
    summary:
      "An experiment's versions, newest first, a page at a time (metadata only; /versions/:version has the YAML)",
    tag: 'experiments',
    params: idParams,
    query: versionsQuery,
    response: experimentVersionPageSchema,
    async handler({ params, query, ctx }): Promise<ExperimentVersionPage> {
      if (!(await ctx.store.getExperiment(params.id))) {
        throw notFound(`experiment '${params.id}'`)
      }
      const limit = query.limit ?? DEFAULT_VERSION_LIMIT
      // One more than asked tells whether an older page exists, without a count.
      const rows = await ctx.store.listExperimentVersions(params.id, {
        limit: limit + 1,
        ...(query.before !== undefined ? { before: query.before } : {}),
      })
      const origins = await versionOrigins(ctx.store.sql, params.id)
      const versions = rows.slice(0, limit).map((v) => {
        const origin = origins.get(v.version)
        return origin === undefined ? v : { ...v, origin }
      })
      return rows.length > limit ? { versions, next: versions.at(-1)!.version } : { versions }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/experiments/:id/versions/:version',
    access: 'viewer',
    summary: 'One version of an experiment',
    tag: 'experiments',
    params: versionParams,
    response: experimentVersionSchema,
    async handler({ params, ctx }) {
      const version = await ctx.store.getExperimentVersion(params.id, params.version)
      if (!version) {
        throw notFound(`version ${params.version} of experiment '${params.id}'`)
      }
      const origin = (await versionOrigins(ctx.store.sql, params.id)).get(version.version)
      return origin === undefined ? version : { ...version, origin }
    },
  }),
]
