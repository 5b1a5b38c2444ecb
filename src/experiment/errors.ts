/**
 * Manifest errors: each one line, `file:line: path: message`, all reported at once.
 * @module
 */

export interface ManifestIssue {
  file: string
  line: number
  /** Dotted path into the manifest, e.g. `spec.steps[1].fault.duration`; empty for the file. */
  path: string
  message: string
}

/** Formats one issue the way every ordeal command prints it. */
export function formatIssue(issue: ManifestIssue): string {
  return `${issue.file}:${issue.line}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`
}

/** Thrown when a manifest cannot be loaded; carries every issue found. Exit code 2. */
export class ManifestError extends Error {
  readonly code = 'ORDEAL_INVALID_MANIFEST'
  constructor(readonly issues: ManifestIssue[]) {
    super(issues.map(formatIssue).join('\n'))
    this.name = 'ManifestError'
  }
}

/** Formats a path array as `spec.steps[1].fault`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`
  }
  return out
}
