/**
 * A manifest from git checked as `ordeal validate` checks a file (the Chaos Center's loader:
 * the server's ORDEAL_HOME, no --set, no environment): its name and hypothesis, or the error
 * shown in GET /api/git-sources/:id, with the file's line and the field.
 * @module
 */
import { loadManifest } from '../api/manifest.js'
import { ValidationError } from '../api/validation.js'
import { HttpError } from '../http/route.js'
import type { GitManifestError } from '../../shared/continuous.js'

export type Checked = { name: string; hypothesis: string } | { error: GitManifestError }

export function checkGitManifest(path: string, yaml: string): Checked {
  try {
    const { name, hypothesis } = loadManifest(yaml, path)
    return { name, hypothesis }
  } catch (error) {
    if (error instanceof ValidationError && error.issues.length > 0) {
      const first = error.issues.find((i) => i.line !== undefined) ?? error.issues[0]!
      // Every issue in one line each, as `ordeal validate` prints them: `field: message`.
      const message = error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')
      return { error: { path, ...(first.line !== undefined ? { line: first.line } : {}), message } }
    }
    if (error instanceof HttpError) {
      return { error: { path, message: error.message } }
    }
    return { error: { path, message: error instanceof Error ? error.message : String(error) } }
  }
}
