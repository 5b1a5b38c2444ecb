/**
 * Built-in probe drivers keyed by type. Add a probe: a folder with `schema.ts` (added to
 * `schemas.ts`) and `index.ts` (the driver, added here).
 * @module
 */
import type { ProbeDriver } from './contract.js'

export const probeDrivers: Record<string, ProbeDriver<never>> = {}

export function probeDriver(type: string): ProbeDriver<never> {
  const driver = probeDrivers[type]
  if (!driver) {
    throw new Error(`no driver for probe type '${type}'`)
  }
  return driver
}
