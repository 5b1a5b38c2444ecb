/**
 * `ordeal run`'s check of a Kubernetes manifest against its cluster, before anything is
 * injected (engine/kubernetes-preflight.ts): what the cluster does not know is a manifest error,
 * `file:line: path: message`, exit 2. When the cluster cannot be reached the check is skipped:
 * the run then fails at its system start and says why (exit 3).
 * @module
 */
import { readManifestDocument } from '../../experiment/load.js'
import { ManifestError, formatPath } from '../../experiment/errors.js'
import type { Experiment } from '../../experiment/model.js'
import { connectRunCluster, type ClusterOptions } from '../../engine/kubernetes-system.js'
import { clusterReferences, unknownReferences } from '../../engine/kubernetes-preflight.js'

/** @throws ManifestError naming each probe resource or workload the cluster does not have */
export async function checkAgainstCluster(
  file: string,
  experiment: Experiment,
  options: ClusterOptions & { set?: Record<string, string> | undefined }
): Promise<void> {
  const spec = experiment.system.kubernetes
  if (spec === undefined) {
    return
  }
  const { data, positions } = await readManifestDocument(file, { set: options.set ?? {} })
  const references = clusterReferences(data, spec.namespace)
  if (references.length === 0) {
    return
  }
  let run
  try {
    run = await connectRunCluster(experiment, options)
  } catch {
    return // the run's system start reports it (exit 3)
  }
  if (run === undefined) {
    return
  }
  let issues
  try {
    issues = await unknownReferences(run.config, references)
  } catch {
    return // the API went away meanwhile: the run reports it
  } finally {
    run.close()
  }
  if (issues.length > 0) {
    throw new ManifestError(
      issues.map((issue) => ({
        file,
        line: positions.lineOfPath(issue.path),
        path: formatPath(issue.path),
        message: issue.message,
      }))
    )
  }
}
