/**
 * Which namespaces the workload watch ignores: the same ones a run of this agent may not
 * touch (the default deny list, minus what `--allow-namespace` lifts, plus the namespace of
 * the pod the agent runs in), so a deploy there never triggers anything. Pure; no client-node.
 * @module
 */
import { DEFAULT_DENIED_NAMESPACES } from '../../../experiment/kubernetes-schema.js'

/** The namespaces never watched: the default deny list minus --allow-namespace, plus ordeal's own. */
export function deniedWatchNamespaces(
  allowNamespaces: readonly string[],
  ownNamespace?: string
): string[] {
  const allowed = new Set(allowNamespaces)
  const denied: string[] = DEFAULT_DENIED_NAMESPACES.filter((n) => !allowed.has(n))
  return ownNamespace !== undefined && !denied.includes(ownNamespace)
    ? [...denied, ownNamespace]
    : denied
}
