/**
 * What `ordeal run --agent` checks and computes locally before anything is sent: the variables
 * that travel with the run, and the relative paths that would not travel with the bundle.
 * Pure: the manifest text in, values and one-line problems out.
 * @module
 */
import path from 'node:path'
import { interpolate } from '../../experiment/interpolate.js'
import { parseManifestYaml } from '../../experiment/load.js'

/**
 * The variables the manifest uses whose value comes from where the CLI runs (`--set`, then
 * the environment). A variable left to its `${NAME:-default}` is not sent: the agent reads the
 * same text and applies the same default (two uses may even have different defaults).
 */
export function placedVars(
  text: string,
  file: string,
  set: Record<string, string>,
  env: NodeJS.ProcessEnv
): Record<string, string> {
  const vars: Record<string, string> = {}
  for (const name of [...interpolate(text, file, set, env).used].sort()) {
    const value = set[name] ?? env[name]
    if (value !== undefined) {
      vars[name] = value
    }
  }
  return vars
}

interface RawService {
  cwd?: unknown
  command?: unknown
}

/**
 * The first relative path of the manifest that resolves outside its directory, or into one of
 * its dot-entries (left out of the bundle), as the line the CLI prints (without `ordeal run: `),
 * or undefined. Only the directory is shipped, so such
 * a path would name nothing (or something else) on the agent. Absolute paths resolve on the
 * agent and are left alone. `text` must already load (the run checked it).
 */
export function pathOutside(
  text: string,
  file: string,
  set: Record<string, string>,
  env: NodeJS.ProcessEnv
): string | undefined {
  const dir = path.dirname(path.resolve(file))
  const data = parseManifestYaml(interpolate(text, file, set, env).text, file) as {
    spec?: { system?: { services?: RawService[] } }
  }
  const services = data.spec?.system?.services ?? []
  for (const [i, service] of services.entries()) {
    const where = `spec.system.services[${i}]`
    const cwd = typeof service.cwd === 'string' ? service.cwd : '.'
    const cwdAbs = path.resolve(dir, cwd)
    if (!path.isAbsolute(cwd) && !inside(dir, cwdAbs)) {
      return outside(`${where}.cwd`, cwd)
    }
    if (!path.isAbsolute(cwd) && dotted(dir, cwdAbs)) {
      return leftOut(`${where}.cwd`, cwd)
    }
    const command = typeof service.command === 'string' ? service.command : ''
    // A bare name is looked up in PATH on the agent; a relative path is resolved from cwd.
    if (command.includes('/') && !path.isAbsolute(command) && !path.isAbsolute(cwd)) {
      const commandAbs = path.resolve(cwdAbs, command)
      if (!inside(dir, commandAbs)) {
        return outside(`${where}.command`, command)
      }
      if (dotted(dir, commandAbs)) {
        return leftOut(`${where}.command`, command)
      }
    }
  }
  return undefined
}

function inside(dir: string, p: string): boolean {
  return p === dir || p.startsWith(dir + path.sep)
}

/** True when `p` (inside `dir`) goes through a dot-entry, which the bundle leaves out. */
function dotted(dir: string, p: string): boolean {
  return path
    .relative(dir, p)
    .split(path.sep)
    .some((part) => part.startsWith('.') && part !== '.' && part !== '..')
}

function leftOut(field: string, value: string): string {
  return `${field} '${value}' is in a dot-file or dot-dir; runs placed on an agent leave dot-entries (.git, .env, ...) out of the manifest's directory`
}

function outside(field: string, value: string): string {
  return `${field} '${value}' is outside the manifest's directory; runs placed on an agent ship only that directory`
}
