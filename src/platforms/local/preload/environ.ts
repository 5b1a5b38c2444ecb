/**
 * A running process's environment, read from /proc/PID/environ. A fault that acts through a
 * preload learns from it both whether the target was launched under that preload (its
 * LD_PRELOAD) and where its control file is (the variable the preload set), so it works the
 * same for a launched replica and for an attached process started with the preload by hand.
 * @module
 */
import { readFileSync } from 'node:fs'

/** The process's environment, or undefined when it is gone or cannot be read. */
export function readEnviron(pid: number): Record<string, string> | undefined {
  let raw: string
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8')
  } catch {
    return undefined
  }
  const env: Record<string, string> = {}
  for (const entry of raw.split('\0')) {
    const eq = entry.indexOf('=')
    if (eq > 0) {
      env[entry.slice(0, eq)] = entry.slice(eq + 1)
    }
  }
  return env
}

/** True when one of `libraries` is in the environment's LD_PRELOAD (by path or file name). */
export function hasPreload(env: Record<string, string>, libraries: readonly string[]): boolean {
  const loaded = (env['LD_PRELOAD'] ?? '').split(/[:\s]+/).filter(Boolean)
  const names = new Set(loaded.map((p) => p.slice(p.lastIndexOf('/') + 1)))
  return libraries.some(
    (lib) => loaded.includes(lib) || names.has(lib.slice(lib.lastIndexOf('/') + 1))
  )
}
