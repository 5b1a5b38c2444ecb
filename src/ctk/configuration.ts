/**
 * Configuration and secrets as chaoslib loads them before the run: `{type: env, key,
 * default?, env_var_type?}` reads the environment (with its default), anything else is kept as
 * written (a `type: probe` is run when the run starts: dynamic-configuration.ts); env secrets
 * have no default. A missing variable is a validation error (exit 2).
 * @module
 */
import type { CtkObject, CtkValues } from './model.js'

export interface ValueIssue {
  /** Path into the document, e.g. `['configuration', 'api']`. */
  path: (string | number)[]
  message: string
}

export function loadValues(
  raw: CtkObject,
  env: NodeJS.ProcessEnv
): { values: CtkValues; issues: ValueIssue[] } {
  const issues: ValueIssue[] = []
  const configuration: Record<string, unknown> = {}
  const config = raw['configuration']
  if (isObject(config)) {
    for (const [key, value] of Object.entries(config)) {
      if (isObject(value) && value['type'] === 'env') {
        const name = String(value['key'])
        const found = env[name]
        if (found !== undefined) {
          const typed = convert(found, value['env_var_type'])
          if (typed.error) {
            issues.push({ path: ['configuration', key, 'env_var_type'], message: typed.error })
          } else {
            configuration[key] = typed.value
          }
        } else if ('default' in value) {
          configuration[key] = value['default']
        } else {
          issues.push({
            path: ['configuration', key],
            message: `Configuration makes reference to an environment key that does not exist: ${name}`,
          })
        }
      } else {
        // Dynamic configuration (`type: probe`) stays as written until the run starts
        // (dynamic-configuration.ts).
        configuration[key] = value
      }
    }
  }
  const secrets: Record<string, Record<string, unknown>> = {}
  const secretsRaw = raw['secrets']
  if (isObject(secretsRaw)) {
    for (const [scope, entries] of Object.entries(secretsRaw)) {
      const out: Record<string, unknown> = {}
      if (isObject(entries)) {
        for (const [key, value] of Object.entries(entries)) {
          if (isObject(value) && value['type'] === 'env') {
            const name = String(value['key'])
            const found = env[name]
            if (found === undefined) {
              issues.push({
                path: ['secrets', scope, key],
                message: `Secrets make reference to an environment key that does not exist: ${name}`,
              })
            } else {
              out[key] = found
            }
          } else if (isObject(value) && value['type'] === 'vault') {
            issues.push({
              path: ['secrets', scope, key],
              message: 'vault secrets are not supported by ordeal (use type: env)',
            })
          } else {
            out[key] = value
          }
        }
      }
      secrets[scope] = out
    }
  }
  return { values: { configuration, secrets }, issues }
}

/** `env_var_type`, as chaoslib converts an environment string. */
function convert(text: string, type: unknown): { value?: unknown; error?: string } {
  switch (type ?? 'str') {
    case 'str':
    case 'string':
    case 'bytes':
      return { value: text }
    case 'int':
    case 'integer': {
      const n = Number(text.trim())
      return Number.isInteger(n) && text.trim() !== ''
        ? { value: n }
        : { error: `'${text}' is not an int` }
    }
    case 'float':
    case 'number': {
      const n = Number(text.trim())
      return Number.isFinite(n) && text.trim() !== ''
        ? { value: n }
        : { error: `'${text}' is not a float` }
    }
    case 'bool':
      return { value: !['false', '0', 'no'].includes(text.toLowerCase()) }
    case 'json':
      if (text === '') {
        return { value: text }
      }
      try {
        return { value: JSON.parse(text) as unknown }
      } catch {
        return { error: `'${text}' is not JSON` }
      }
    default:
      return { error: 'variable type can only be: bool, str, int, float, bytes or json' }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}
