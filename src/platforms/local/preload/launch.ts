/**
 * The launch hook shared by every preload: what a replica of a service with `preload:` starts
 * with. One place, called by the supervisor for the spawn and by `--dry-run` for its line, so
 * what a user reads is what runs.
 * @module
 */
import path from 'node:path'
import type { ServiceSpec } from '../../../experiment/model.js'
import { PRELOAD_NAMES, type PreloadDriver, type PreloadReplica } from './contract.js'
import { preloadDrivers } from './index.js'

/** The name of the run dir's preload folder (a fault checks a control file is under one). */
export const PRELOAD_DIR_NAME = 'preload'

/** `<runDir>/preload/`: ordeal's own; only each replica's leaf is handed to the service's user. */
export function preloadRoot(runDir: string): string {
  return path.resolve(runDir, PRELOAD_DIR_NAME)
}

/** `<runDir>/preload/<service>-<replica>`: that replica's control files, private to the run. */
export function preloadControlDir(runDir: string, service: string, replica: number): string {
  return path.join(preloadRoot(runDir), `${service}-${replica}`)
}

/** The drivers a service asked for, in LD_PRELOAD order (PRELOAD_NAMES), whatever order it wrote. */
export function preloadsOf(spec: Pick<ServiceSpec, 'preload'>): PreloadDriver[] {
  const wanted = spec.preload ?? []
  return PRELOAD_NAMES.filter((name) => wanted.includes(name)).map((name) => preloadDrivers[name])
}

/**
 * The variables a replica gets on top of its own `env:` (empty without `preload:`):
 * LD_PRELOAD = the drivers' libraries, then whatever LD_PRELOAD the service sets itself (its
 * own objects still load, after ours), and each driver's control variables, which win over
 * the service's: a fault finds its control file through them (environ.ts).
 */
export function preloadEnv(
  spec: Pick<ServiceSpec, 'preload'>,
  replica: PreloadReplica,
  own: Record<string, string>
): Record<string, string> {
  const drivers = preloadsOf(spec)
  if (drivers.length === 0) {
    return {}
  }
  const libraries = drivers.flatMap((driver) => driver.libraries)
  const theirs = (own['LD_PRELOAD'] ?? '').split(/[:\s]+/).filter(Boolean)
  const control: Record<string, string> = {}
  for (const driver of drivers) {
    Object.assign(control, driver.env(replica))
  }
  // LD_PRELOAD is the hook's alone, and first, as --dry-run shows it.
  delete control['LD_PRELOAD']
  return { LD_PRELOAD: [...libraries, ...theirs].join(':'), ...control }
}
