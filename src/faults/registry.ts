/**
 * Built-in fault drivers keyed by type. Add a fault: a folder with `schema.ts` (params, added
 * to `schemas.ts`) and `index.ts` (the driver, added here).
 * @module
 */
import type { FaultDriver } from './contract.js'

export const faultDrivers: Record<string, FaultDriver<never>> = {}

export function faultDriver(type: string): FaultDriver<never> {
  const driver = faultDrivers[type]
  if (!driver) {
    throw new Error(`no driver for fault type '${type}'`)
  }
  return driver
}
