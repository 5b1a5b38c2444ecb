/**
 * What must hold before a service is launched under a preload: its shared objects are
 * installed. Checked before anything of the run exists, so a missing package is one line
 * (naming the service, the preload and the Debian package), not a replica that starts without
 * the preload and a fault that later refuses it.
 * @module
 */
import { existsSync } from 'node:fs'
import type { ServiceSpec } from '../../../experiment/model.js'
import { preloadsOf } from './launch.js'

/** A message for the first missing library, else undefined. */
export function preloadPreflight(
  services: readonly ServiceSpec[],
  exists: (file: string) => boolean = existsSync
): string | undefined {
  for (const spec of services) {
    for (const driver of preloadsOf(spec)) {
      const missing = driver.libraries.find((lib) => !exists(lib))
      if (missing !== undefined) {
        return `service ${spec.name}: preload ${driver.name} needs ${missing}, which is not installed (Debian package ${driver.packages.join(', ')}: apt-get install ${driver.packages.join(' ')}, or scripts/system-deps.sh)`
      }
    }
  }
  return undefined
}
