/**
 * The TypeScript API: `defineExperiment` is an identity function for type inference (like
 * Vitest's `defineConfig`); `resolve` runs the same validation as a YAML manifest, so both
 * paths produce the same model and the same error messages.
 * @module
 */
import path from 'node:path'
import { experimentSchema, type ExperimentInput } from './schema.js'
import { semanticIssues } from './semantics.js'
import { ManifestError, formatPath, type ManifestIssue } from './errors.js'
import { resolveExperiment } from './resolve.js'
import type { Experiment } from './model.js'

export function defineExperiment(experiment: ExperimentInput): ExperimentInput {
  return experiment
}

/**
 * Validates and resolves an experiment object. Errors name `source` (default: the caller's
 * description) and no line (line 0, never printed), since objects have no lines.
 */
export function resolve(
  input: ExperimentInput,
  options: { baseDir?: string; source?: string } = {}
): Experiment {
  const source = options.source ?? '<typescript>'
  const parsed = experimentSchema.safeParse(input)
  const issues: ManifestIssue[] = parsed.success
    ? semanticIssues(parsed.data).map((i) => ({
        file: source,
        line: 0,
        path: formatPath(i.path),
        message: i.message,
      }))
    : parsed.error.issues.map((i) => ({
        file: source,
        line: 0,
        path: formatPath(i.path),
        message: i.message,
      }))
  if (issues.length > 0) {
    throw new ManifestError(issues)
  }
  return resolveExperiment(input, { baseDir: path.resolve(options.baseDir ?? '.') })
}
