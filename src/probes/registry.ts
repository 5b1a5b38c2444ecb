/**
 * Built-in probe drivers keyed by type. Add a probe: a folder with `schema.ts` (added to
 * `schemas.ts`) and `index.ts` (the driver, added here).
 * @module
 */
import type { ProbeInput } from '../experiment/schema.js'
import type { ProbeDriver } from './contract.js'
import { httpProbe } from './http/index.js'
import { cmdProbe } from './cmd/index.js'
import { tcpProbe } from './tcp/index.js'
import { sqlProbe } from './sql/index.js'
import { prometheusProbe } from './prometheus/index.js'
import { k8sProbe } from './k8s/index.js'

export const probeDrivers: Record<string, ProbeDriver<never>> = {
  http: erase(httpProbe),
  cmd: erase(cmdProbe),
  tcp: erase(tcpProbe),
  sql: erase(sqlProbe),
  prometheus: erase(prometheusProbe),
  k8s: erase(k8sProbe),
}

/**
 * Each driver takes its own params; the engine picks one by the params' `type`, so the map
 * holds them with the params type erased.
 */
function erase<P extends ProbeInput>(driver: ProbeDriver<P>): ProbeDriver<never> {
  return driver as unknown as ProbeDriver<never>
}

export function probeDriver(type: string): ProbeDriver<never> {
  const driver = probeDrivers[type]
  if (!driver) {
    throw new Error(`no driver for probe type '${type}'`)
  }
  return driver
}
