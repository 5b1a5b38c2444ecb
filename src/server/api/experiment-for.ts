/**
 * The experiment a manifest sent with a run belongs to, by its name: created, or versioned
 * (issue 13 §5), with the manifest checked as a manifest saved from the UI would be. Shared by
 * recorded runs (`POST /api/runs/record`) and runs placed on an agent (`POST /api/runs/submit`,
 * which sends the manifest's variables along, so it is checked with them).
 * @module
 */
import { authorOf, type Actor } from '../auth/actor.js'
import { newId } from '../auth/secrets.js'
import { manifestLabels } from './labels.js'
import { notFound } from '../http/route.js'
import { ValidationError } from './validation.js'
import type { Experiment } from '../../shared/api.js'
import { StoreConflictError, type Store } from '../store/contract.js'
import { checkManifestSize, loadManifest, MANIFEST_FILE, manifestIssues } from './manifest.js'
import { experimentNameSchema } from './names.js'
import { ManifestError } from '../../experiment/errors.js'
import { loadExperimentText, parseManifestYaml } from '../../experiment/load.js'
import { packageRoot } from '../package-root.js'
import { refuseIfGitManaged } from '../git/read-only.js'

export interface ExperimentForOptions {
  /** `--update-experiment`: a manifest other than the current one becomes current. */
  updateExperiment?: boolean
  /** The manifest's variables as the sender resolved them (`POST /api/runs/submit`). */
  vars?: Record<string, string>
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
export async function experimentFor(
  store: Store,
  yaml: string,
  by: Actor,
  options: ExperimentForOptions = {}
): Promise<{ experiment: Experiment; version: number }> {
  const updateExperiment = options.updateExperiment ?? false
  const { name, hypothesis } =
    options.vars === undefined
      ? (checkManifest(yaml) ?? identity(yaml))
      : checkWith(yaml, options.vars)
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
    // A git-managed experiment changes in git only (issue 16 §2).
    await refuseIfGitManaged(store, current.id)
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
export function checkManifest(yaml: string): { name: string; hypothesis: string } | undefined {
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

/**
 * A manifest sent with its variables (`ordeal run --agent` sends exactly those it uses): loaded
 * with them, so an unset variable is an error like any other. Only ORDEAL_HOME is the server's
 * (the same package path on the agent); the server's environment is never read.
 */
export function checkWith(
  yaml: string,
  vars: Record<string, string>
): { name: string; hypothesis: string } {
  checkManifestSize(yaml)
  try {
    const { name, hypothesis } = loadExperimentText(yaml, MANIFEST_FILE, {
      set: { ORDEAL_HOME: packageRoot(), ...vars },
      env: {},
      allowUnusedSet: true,
    })
    return { name, hypothesis }
  } catch (error) {
    if (error instanceof ManifestError) {
      throw new ValidationError(manifestIssues(error))
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
