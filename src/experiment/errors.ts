/**
 * Manifest errors: each one line, `file:line: path: message`, all reported at once.
 * @module
 */

export interface ManifestIssue {
  /** The manifest, or '' for an issue of the command line (`--set`), which names its file. */
  file: string
  /** 1-based; 0 when the issue has no line (a missing file, an object, a flag). */
  line: number
  /** Dotted path into the manifest, e.g. `spec.steps[1].fault.duration`; empty for the file. */
  path: string
  message: string
}

/** Formats one issue the way every ordeal command prints it. */
export function formatIssue(issue: ManifestIssue): string {
  // Never `file:0:`: an editor would jump to a line that does not exist.
  const where =
    issue.line > 0 ? `${issue.file}:${issue.line}: ` : issue.file ? `${issue.file}: ` : ''
  return `${where}${issue.path ? `${issue.path}: ` : ''}${issue.message}`
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
