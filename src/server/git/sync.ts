/**
 * One sync of a git source: fetch, list and read the manifests at the branch's commit, then
 * make the experiments this source manages match them.
 * - a new file: an experiment created (a name already used by an experiment this source does
 *   not manage is reported invalid, nothing overwritten);
 * - a changed file: a new current version, only when the YAML differs;
 * - a file that no longer validates: reported (file:line, field), the last good version stays;
 * - a renamed file (same metadata.name): the same experiment, its path moved;
 * - a removed file: its experiment deleted (git is the source of truth, like an Argo CD
 *   prune), unless a run of it is going or queued, or a manifest of this commit is invalid
 *   (kept, reported, retried at the next sync).
 * Every version added gets its origin (source, path, commit) in git_versions, and every
 * experiment created, updated or deleted is published on ctx.changes.
 * @module
 */
import type { Actor } from '../auth/actor.js'
import { authorOf } from '../auth/actor.js'
import { newId } from '../auth/secrets.js'
import { manifestLabels } from '../api/labels.js'
import type { ServerContext } from '../context.js'
import { StoreConflictError } from '../store/contract.js'
import type { GitManifestError, GitSyncInfo } from '../../shared/continuous.js'
import type { Experiment } from '../../shared/api.js'
import { checkGitManifest } from './validate.js'
import {
  addVersionOrigin,
  deleteInvalid,
  listInvalid,
  managedRows,
  managerOf,
  upsertInvalid,
  upsertManaged,
  type ManagedRow,
  type SourceRow,
} from './sources-sql.js'
import type { ManifestFile } from './mirror.js'

export interface SyncCounts {
  created: number
  updated: number
  deleted: number
  unchanged: number
  invalid: GitManifestError[]
}

/** Applies the manifests read at `commit` to the store. */
export async function applyManifests(
  ctx: ServerContext,
  source: SourceRow,
  commit: string,
  files: readonly ManifestFile[],
  now: () => string,
  /** Files present but not read (too large): invalid, and never taken as removed. */
  unread: readonly GitManifestError[] = []
): Promise<SyncCounts> {
  const sql = ctx.store.sql
  const counts: SyncCounts = { created: 0, updated: 0, deleted: 0, unchanged: 0, invalid: [] }
  const managed = await managedRows(sql, source.id)
  const byPath = new Map(managed.map((m) => [m.path, m]))
  const present = new Set([...files.map((f) => f.path), ...unread.map((f) => f.path)])
  const author: Actor = {
    id: source.created_by,
    name: source.created_by_name,
    via: `git source ${source.name}`,
  }
  const changed: string[] = []
  const invalid = (error: GitManifestError) => counts.invalid.push(error)
  try {
    await applyAll()
  } finally {
    // Published whatever happened: an experiment created or updated before a failure later
    // in the sync still gets its schedules and triggers armed (the next sync sees it equal
    // and would not publish it again).
    for (const id of changed) {
      await ctx.changes.publish(id)
    }
  }
  return counts

  async function applyAll(): Promise<void> {
    unread.forEach(invalid)

    // 1. Check what changed. A file equal to its experiment's current YAML is not loaded again
    // (a commit that did not touch it adds no version, and costs no validation).
    const toApply: { file: ManifestFile; mine?: ManagedRow; name: string; hypothesis: string }[] =
      []
    for (const file of files) {
      const mine = byPath.get(file.path)
      if (mine !== undefined && mine.yaml === file.yaml) {
        counts.unchanged++
        continue
      }
      const checked = checkGitManifest(file.path, file.yaml)
      if ('error' in checked) {
        invalid(checked.error)
        continue
      }
      toApply.push({ file, ...(mine !== undefined ? { mine } : {}), ...checked })
    }

    // 2. Files gone. One whose name a new path now declares has moved (a rename): it keeps its
    // experiment and runs. The others are deleted first, so a name they free is free for step 3.
    const claims = new Map<string, string>()
    for (const { file, mine, name } of toApply) {
      if (mine === undefined && !claims.has(name)) {
        claims.set(name, file.path)
      }
    }
    const moved = new Map<string, ManagedRow>()
    // When a manifest of this commit does not load, nothing is deleted: a file renamed to a
    // broken one makes no claim, and deleting the old experiment would lose it for good.
    const broken = counts.invalid.length
    for (const gone of managed.filter((m) => !present.has(m.path))) {
      const claim = claims.get(gone.name)
      if (claim !== undefined) {
        moved.set(claim, gone)
        continue
      }
      if (broken > 0) {
        invalid({
          path: gone.path,
          message: `removed from git; deletions wait: ${broken} manifest(s) invalid in this commit`,
        })
        continue
      }
      const inUse = await runInUse(ctx, gone.experiment_id)
      if (inUse !== undefined) {
        invalid({
          path: gone.path,
          message: `removed from git, but experiment ${gone.name} has a ${inUse.status} run (${inUse.id}): deleted at a later sync`,
        })
        continue
      }
      // Its git_experiments row goes with it (ON DELETE CASCADE).
      if (await ctx.store.deleteExperiment(gone.experiment_id)) {
        counts.deleted++
        changed.push(gone.experiment_id)
      }
    }

    // 3. Creates and updates. A name can be freed by another file of the same commit (a renames
    // away what b renames to): passes repeat while one makes progress, so the outcome does not
    // depend on the order of the files; what still conflicts then (a swap) is reported.
    const applyOne = async ({
      file,
      mine,
      name,
      hypothesis,
    }: (typeof toApply)[number]): Promise<GitManifestError | undefined> => {
      const existing = await ctx.store.getExperimentByName(name)
      let target: ManagedRow | undefined = mine ?? moved.get(file.path)
      if (existing !== undefined && existing.id !== target?.experiment_id) {
        if (target === undefined && (await ownedOrphan(ctx, existing, author))) {
          target = {
            experiment_id: existing.id,
            path: file.path,
            commit_sha: commit,
            name: existing.name,
            yaml: existing.yaml,
          }
        } else {
          return { path: file.path, message: await nameTaken(ctx, name, existing.id, source) }
        }
      }
      const fields = {
        name,
        hypothesis,
        labels: manifestLabels(file.yaml),
        yaml: file.yaml,
        ...authorOf(author),
        createdAt: now(),
      }
      const origin = { source: source.name, path: file.path, commit }
      if (target === undefined) {
        let created
        try {
          created = await ctx.store.createExperiment({ id: newId('exp'), ...fields })
        } catch (error) {
          if (error instanceof StoreConflictError) {
            // Created under the same name a moment ago by someone else: theirs stays.
            return { path: file.path, message: `metadata.name: ${name} was taken while syncing` }
          }
          throw error
        }
        changed.push(created.id)
        await upsertManaged(sql, { experimentId: created.id, sourceId: source.id, ...origin })
        await addVersionOrigin(sql, {
          experimentId: created.id,
          version: created.version,
          ...origin,
        })
        counts.created++
        return undefined
      }
      if (target.yaml === file.yaml) {
        // A pure rename: the path moves, no version is added.
        await upsertManaged(sql, {
          experimentId: target.experiment_id,
          sourceId: source.id,
          ...origin,
          commit: target.commit_sha,
        })
        counts.unchanged++
        return undefined
      }
      let updated
      try {
        updated = await ctx.store.updateExperiment(target.experiment_id, fields)
      } catch (error) {
        if (error instanceof StoreConflictError) {
          return { path: file.path, message: `metadata.name: ${name} was taken while syncing` }
        }
        throw error
      }
      if (updated === undefined) {
        return { path: file.path, message: `experiment ${name} disappeared while syncing` }
      }
      changed.push(updated.id)
      await addVersionOrigin(sql, { experimentId: updated.id, version: updated.version, ...origin })
      await upsertManaged(sql, { experimentId: updated.id, sourceId: source.id, ...origin })
      counts.updated++
      return undefined
    }
    let pending = toApply
    let conflicts: GitManifestError[] = []
    while (pending.length > 0) {
      const next: typeof toApply = []
      conflicts = []
      for (const item of pending) {
        const conflict = await applyOne(item)
        if (conflict !== undefined) {
          next.push(item)
          conflicts.push(conflict)
        }
      }
      if (next.length === pending.length) {
        break
      }
      pending = next
    }
    conflicts.forEach(invalid)

    // The invalid list is exactly this sync's: new ones written, resolved ones dropped.
    const reported = new Set(counts.invalid.map((e) => e.path))
    for (const error of counts.invalid) {
      await upsertInvalid(sql, source.id, error, commit)
    }
    for (const old of await listInvalid(sql, source.id)) {
      if (!reported.has(old.path)) {
        await deleteInvalid(sql, source.id, old.path)
      }
    }
  }
}

/** A run of the experiment that is going or waiting for its agent: it must not be deleted. */
async function runInUse(
  ctx: ServerContext,
  experimentId: string
): Promise<{ id: string; status: string } | undefined> {
  for (const status of ['running', 'queued'] as const) {
    const [run] = await ctx.store.listRuns({ experimentId, status, limit: 1 })
    if (run !== undefined) {
      return { id: run.id, status }
    }
  }
  return undefined
}

/**
 * An experiment no source manages whose current version this source wrote: left behind by a
 * sync cut short between creating it and recording it as managed (a crash), or by a source of
 * the same name removed and added again. Taken back; anything edited since (a UI save, another
 * source) has another author and is never taken.
 */
async function ownedOrphan(
  ctx: ServerContext,
  existing: Experiment,
  author: Actor
): Promise<boolean> {
  if ((await managerOf(ctx.store.sql, existing.id)) !== undefined) {
    return false
  }
  const current = await ctx.store.getExperimentVersion(existing.id, existing.version)
  return current?.createdVia === author.via
}

/** Why a manifest's name cannot be this source's: who has it. */
async function nameTaken(
  ctx: ServerContext,
  name: string,
  experimentId: string,
  source: SourceRow
): Promise<string> {
  const manager = await managerOf(ctx.store.sql, experimentId)
  if (manager === undefined) {
    return `metadata.name: experiment ${name} already exists and is not managed by git source ${source.name}; nothing was overwritten`
  }
  if (manager.sourceId === source.id) {
    return `metadata.name: experiment ${name} is already defined by ${manager.path}`
  }
  return `metadata.name: experiment ${name} is managed by git source ${manager.source} (path ${manager.path}); nothing was overwritten`
}

/** A sync that did not get as far as the manifests: the managed experiments stay as they are. */
export function failedSync(at: string, error: string, durationMs: number): GitSyncInfo {
  return {
    at,
    ok: false,
    error,
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    invalid: [],
    durationMs,
  }
}
