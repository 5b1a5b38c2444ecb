/**
 * Is a parsed document a Chaos Toolkit experiment rather than an ordeal manifest? CTK has no
 * `apiVersion`/`kind` and always has `title` and `method` (chaoslib requires the key even when
 * the list is empty); ordeal manifests always carry `apiVersion` and `kind`.
 * @module
 */

export function isCtkExperiment(doc: unknown): boolean {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return false
  }
  const d = doc as Record<string, unknown>
  return !('apiVersion' in d) && !('kind' in d) && 'title' in d && 'method' in d
}
