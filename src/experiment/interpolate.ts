/**
 * Compose-style variables in manifest text: `${NAME}` or `${NAME:-default}`, taken from
 * `--set NAME=value`, then the environment, then the default. Substitution happens line by
 * line before parsing, so YAML errors and validation messages keep their line numbers.
 * @module
 */
import type { ManifestIssue } from './errors.js'

const kVariable = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

export function interpolate(
  text: string,
  file: string,
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env
): { text: string; issues: ManifestIssue[] } {
  const issues: ManifestIssue[] = []
  const lines = text.split('\n').map((line, i) => {
    if (/^\s*#/.test(line)) {
      return line // comments may mention ${...} in prose
    }
    return line.replace(kVariable, (whole, name: string, fallback: string | undefined) => {
      const value = values[name] ?? env[name] ?? fallback
      if (value === undefined) {
        issues.push({
          file,
          line: i + 1,
          path: '',
          message: `variable \${${name}} is not set (use --set ${name}=... or \${${name}:-default})`,
        })
        return whole
      }
      return value
    })
  })
  return { text: lines.join('\n'), issues }
}
