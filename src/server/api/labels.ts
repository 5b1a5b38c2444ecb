/**
 * An experiment's labels for the list's filter (issue 13 §5): the manifest's
 * `metadata.labels`, read from its YAML. Stored with the experiment when a version becomes
 * current, and derived once, by migration 2, for experiments saved before labels were stored.
 * @module
 */
import { parseManifestYaml } from '../../experiment/load.js'
import { MANIFEST_FILE } from './manifest.js'

/**
 * The string-valued entries of `metadata.labels`; `{}` when there are none or the YAML does
 * not parse (a stored manifest always parsed once, but labels must never fail a listing).
 */
export function manifestLabels(yaml: string): Record<string, string> {
  let root: unknown
  try {
    root = parseManifestYaml(yaml, MANIFEST_FILE)
  } catch {
    return {}
  }
  const labels = (root as { metadata?: { labels?: unknown } } | null)?.metadata?.labels
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    return {}
  }
  return Object.fromEntries(
    Object.entries(labels).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string'
    )
  )
}

// The list's filter is shared with the UI (src/shared/experiment-filter.ts).
export { matchesLabels } from '../../shared/experiment-filter.js'
