/**
 * `ordeal run`'s check of disk-fault paths on this machine, before anything starts: a path with
 * no template must be an existing directory, else a manifest error (`file:line: path: ...`,
 * exit 2). A templated path (`{{services.db.dataDir}}`) exists only once the run lays out its
 * data dirs: the run checks it then, and fails with a clear error (exit 3).
 * @module
 */
import { statSync } from 'node:fs'
import path from 'node:path'
import { readManifestDocument } from '../experiment/load.js'
import { ManifestError, formatPath } from '../experiment/errors.js'
import type { Experiment } from '../experiment/model.js'
import { templateVariables } from '../shared/template.js'

type Path = (string | number)[]

/** Where each disk-fault's `path` sits in the manifest's data, with its text. */
export function diskFaultPaths(data: unknown): { at: Path; path: string }[] {
  const found: { at: Path; path: string }[] = []
  const visit = (step: unknown, at: Path) => {
    if (step === null || typeof step !== 'object') {
      return
    }
    const s = step as Record<string, unknown>
    const capacity = s['capacity'] as Record<string, unknown> | undefined
    for (const [fault, fp] of [
      [s['fault'], [...at, 'fault']],
      [capacity?.['fault'], [...at, 'capacity', 'fault']],
    ] as const) {
      const f = fault as Record<string, unknown> | undefined
      if (f?.['type'] === 'disk-fault' && typeof f['path'] === 'string') {
        found.push({ at: [...fp, 'path'], path: f['path'] })
      }
    }
    for (const group of ['serial', 'parallel']) {
      const children = s[group]
      if (Array.isArray(children)) {
        children.forEach((c, i) => visit(c, [...at, group, i]))
      }
    }
  }
  const steps = ((data as { spec?: { steps?: unknown } } | undefined)?.spec?.steps ?? []) as unknown
  if (Array.isArray(steps)) {
    steps.forEach((s, i) => visit(s, ['spec', 'steps', i]))
  }
  return found
}

/** Why `dir` cannot be a disk-fault's directory, or undefined. */
function missing(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : `${dir} is not a directory`
  } catch {
    return `directory ${dir} does not exist`
  }
}

/** @throws ManifestError naming each disk-fault path that is not an existing directory */
export async function checkDiskFaultPaths(
  file: string,
  experiment: Experiment,
  options: { set?: Record<string, string> | undefined }
): Promise<void> {
  const { data, positions } = await readManifestDocument(file, { set: options.set ?? {} })
  const issues = diskFaultPaths(data).flatMap(({ at, path: raw }) => {
    if (templateVariables(raw).length > 0) {
      return []
    }
    const problem = missing(path.resolve(experiment.baseDir, raw))
    return problem === undefined
      ? []
      : [{ file, line: positions.lineOfPath(at), path: formatPath(at), message: problem }]
  })
  if (issues.length > 0) {
    throw new ManifestError(issues)
  }
}
