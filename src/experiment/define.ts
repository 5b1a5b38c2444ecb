/**
 * The TypeScript API: `defineExperiment` is an identity function for type inference (like
 * Vitest's `defineConfig`): it infers the experiment's names (typed.ts) so that a reference to
 * an undeclared service is a type error. `resolve` runs the same validation as a YAML manifest,
 * so both paths produce the same model and the same error messages; script steps (functions)
 * are set aside for the validation and put back as `script` steps (script-steps.ts).
 * @module
 */
import path from 'node:path'
import { experimentSchema, type ExperimentInput } from './schema.js'
import { semanticIssues } from './semantics.js'
import { ManifestError, formatPath, type ManifestIssue } from './errors.js'
import { resolveExperiment } from './resolve.js'
import type { Experiment } from './model.js'
import type { DefinedExperiment, TypedExperiment } from './typed.js'
import { attachScripts, setScriptsAside } from './script-steps.js'

export function defineExperiment<
  S extends string = never,
  A extends string = never,
  H extends string = never,
  P extends string = never,
>(experiment: TypedExperiment<S, A, H, P>): TypedExperiment<S, A, H, P> {
  return experiment
}

/**
 * Validates and resolves an experiment object. Errors name `source` (default: the caller's
 * description) and no line (line 0, never printed), since objects have no lines.
 */
export function resolve(
  experiment: ExperimentInput | DefinedExperiment,
  options: { baseDir?: string; source?: string; file?: string } = {}
): Experiment {
  const source = options.source ?? '<typescript>'
  const { input, scripts } = setScriptsAside(experiment)
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
  return attachScripts(
    resolveExperiment(input, {
      baseDir: path.resolve(options.baseDir ?? '.'),
      ...(options.file === undefined ? {} : { file: options.file }),
    }),
    scripts
  )
}
