/**
 * Compose-style variables in manifest text: `${NAME}` or `${NAME:-default}`, taken from
 * `--set NAME=value`, then the environment, then the default. Substitution happens line by
 * line before parsing, so YAML errors and validation messages keep their line numbers.
 * `$${` is a literal `${` (a shell command's own `${HOME}` is written `$${HOME}`), so any text
 * can be written into a manifest: see escapeVariables.
 * @module
 */
import type { ManifestIssue } from './errors.js'
import { didYouMean } from './did-you-mean.js'

// The escape first: at a `$${` the alternation takes it whole, so what follows is never read
// as a variable.
const kVariable = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/**
 * The manifest text for a literal string: every `${` becomes `$${`, which interpolate turns
 * back into `${`, whatever follows it (`interpolate(escapeVariables(s))` is `s` on any line
 * that is not a comment).
 */
export function escapeVariables(text: string): string {
  // A replacer function: in a replacement string, '$$' would itself mean one '$'.
  return text.replaceAll('${', () => '$${')
}

export function interpolate(
  text: string,
  file: string,
  values: Record<string, string>,
  env: NodeJS.ProcessEnv = process.env
): { text: string; issues: ManifestIssue[]; used: Set<string> } {
  const issues: ManifestIssue[] = []
  const used = new Set<string>()
  const lines = text.split('\n').map((line, i) => {
    if (/^\s*#/.test(line)) {
      return line // comments may mention ${...} in prose
    }
    return line.replace(kVariable, (whole, name: string | undefined, fallback?: string) => {
      if (name === undefined) {
        return '${'
      }
      used.add(name)
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
  return { text: lines.join('\n'), issues, used }
}

/**
 * `--set NAME=...` values no `${NAME}` of the manifest reads: a misspelt name would otherwise
 * be ignored silently and the run would use the default (a wrong verdict from a typo). The
 * issue is the flag's, not a line's: `--set PAUES=1s: PAUES is not used by x.yaml`.
 * @param where what was searched for `${NAME}`: the file, or `any of a.yaml, b.yaml`
 */
export function unusedSetIssues(
  where: string,
  values: Record<string, string>,
  used: ReadonlySet<string>
): ManifestIssue[] {
  return Object.entries(values)
    .filter(([name]) => !used.has(name))
    .map(([name, value]) => ({
      file: '',
      line: 0,
      path: '',
      message: `--set ${name}=${value}: ${name} is not used by ${where}${didYouMean(name, [...used])}${used.size === 0 ? ' (it reads no variable)' : ''}`,
    }))
}
