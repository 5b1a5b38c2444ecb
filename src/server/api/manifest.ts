/**
 * How the Chaos Center loads a manifest it was sent: with the same checks as `ordeal validate`,
 * but `${NAME}` variables come only from `${NAME:-default}` and `ORDEAL_HOME` (the package
 * directory, where the hub's templates find their files), never from the server's environment:
 * a viewer must not be able to read `DATABASE_URL` back through a validation message.
 * A manifest that does not load is the request's fault: 400 with its issues and YAML lines.
 * @module
 */
import { loadExperimentText } from '../../experiment/load.js'
import { ManifestError } from '../../experiment/errors.js'
import type { Experiment } from '../../experiment/model.js'
import type { ValidationIssue } from '../../shared/api.js'
import { packageRoot } from '../package-root.js'
import { HttpError } from '../http/route.js'
import { ValidationError } from './validation.js'
import { protectedProcesses, protectedReason } from '../../safety/protected.js'

/** The file name manifests are checked under when they have no home yet. */
export const MANIFEST_FILE = 'experiment.yaml'

/**
 * The loader's hint for an unset `${NAME}` names `--set`, which a Chaos Center does not take
 * (it reads no variables but defaults): say what works here instead. The hub's attach
 * templates rely on this message: their port is a variable with no default.
 */
function serverMessage(message: string): string {
  return message.replace(
    /^(variable \$\{([A-Za-z_][A-Za-z0-9_]*)\} is not set) \(use --set .*\)$/,
    (_, head: string, name: string) =>
      `${head}: write the value in its place (or \${${name}:-default}); a Chaos Center takes no --set`
  )
}

export function manifestIssues(error: ManifestError): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: i.path,
    message: serverMessage(i.message),
    ...(i.line > 0 ? { line: i.line } : {}),
  }))
}

/**
 * Largest manifest the server reads, in bytes. Real manifests are a few KiB (the largest
 * example is under 10); loading is linear, so this bounds what one request can cost the
 * event loop (about 0.3 s at this size). Keys are bounded by the loader (MAX_KEYS).
 */
export const MAX_MANIFEST_BYTES = 256 * 1024

/** 413 when `yaml` is larger than {@link MAX_MANIFEST_BYTES}. */
export function checkManifestSize(yaml: string): void {
  const bytes = Buffer.byteLength(yaml, 'utf8')
  if (bytes > MAX_MANIFEST_BYTES) {
    throw new HttpError(
      413,
      'too_large',
      `body.yaml: ${Math.ceil(bytes / 1024)} KiB, larger than the limit of ${MAX_MANIFEST_BYTES / 1024} KiB for a manifest`
    )
  }
}

/**
 * Loads the manifest (relative paths resolve against `baseDir`, default beside `file`), or
 * throws a 400 (413 if huge).
 */
export function loadManifest(
  yaml: string,
  file: string = MANIFEST_FILE,
  baseDir?: string,
  /** `${NAME}` values resolved where the run was submitted (a run placed on an agent). */
  vars: Record<string, string> = {}
): Experiment {
  checkManifestSize(yaml)
  try {
    const experiment = loadExperimentText(yaml, file, {
      // ORDEAL_HOME is where ordeal is installed here, whatever the submitter's was.
      set: { ...vars, ORDEAL_HOME: packageRoot() },
      env: {},
      // ORDEAL_HOME is offered to every manifest, not asked for by the user.
      allowUnusedSet: true,
      ...(baseDir === undefined ? {} : { baseDir }),
    })
    const issues = protectedAttachIssues(experiment)
    if (issues.length > 0) {
      throw new ValidationError(issues)
    }
    return experiment
  } catch (error) {
    if (error instanceof ManifestError) {
      throw new ValidationError(manifestIssues(error))
    }
    throw error
  }
}

/**
 * An attach `pid` naming the server, its ancestors, a watchdog or a run process is refused when
 * the manifest is sent, not when the fault would freeze the server (`match` and `port` can only
 * be known when the fault resolves them; the run refuses them then).
 */
function protectedAttachIssues(experiment: Experiment): ValidationIssue[] {
  const pids = experiment.system.attach.filter((a) => a.pid !== undefined)
  if (pids.length === 0) {
    return []
  }
  const guard = protectedProcesses()
  return experiment.system.attach.flatMap((attach, i) => {
    const why = attach.pid === undefined ? undefined : guard.get(attach.pid)
    return why === undefined
      ? []
      : [{ path: `spec.system.attach[${i}].pid`, message: protectedReason(attach.pid!, why) }]
  })
}
