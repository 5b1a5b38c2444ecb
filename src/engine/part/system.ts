/**
 * The system of one part of a multi-host run: the services of its logical host. Hosts,
 * networks, proxies and attach are refused in a multi-host manifest (the manifest check).
 * @module
 */
import type { SystemSpec } from '../../experiment/model.js'

export function partSystem(system: SystemSpec, logical: string): SystemSpec {
  return { ...system, services: system.services.filter((s) => s.agent === logical) }
}
