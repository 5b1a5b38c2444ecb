/**
 * What network fault drivers share: the run's topology, the rule comment, and the guard that
 * keeps every rule inside a namespace ordeal created (safety invariant 5).
 * @module
 */
import { FaultInjectionError } from '../../../faults/contract.js'
import { networkOfRun } from './local-network.js'
import { NAME_PREFIX } from './names.js'
import { hostPlan, type HostPlan, type Topology } from './topology.js'

export function topologyOf(runId: string, type: string): Topology {
  const topology = networkOfRun(runId)?.topology
  if (!topology) {
    throw new FaultInjectionError(`${type} needs hosts: declare spec.system.hosts and networks`)
  }
  return topology
}

/** The host, checked to be one of ordeal's own namespaces. */
export function ownHost(topology: Topology, name: string): HostPlan {
  const host = hostPlan(topology, name)
  if (!host.namespace.startsWith(`${NAME_PREFIX}${topology.netId}-`)) {
    throw new FaultInjectionError(`refusing to act on namespace ${host.namespace}: not ordeal's`)
  }
  return host
}

/** Tags every rule as this run's (`iptables-save` shows whose it is). */
export const ruleComment = (runId: string) => `ordeal:${runId}`.slice(0, 255)

/** Hosts that share a network with `host` (the peers whose packets can reach it). */
export function neighbours(topology: Topology, host: HostPlan): HostPlan[] {
  const nets = new Set(host.interfaces.map((i) => i.network))
  return topology.hosts.filter((h) => h !== host && h.interfaces.some((i) => nets.has(i.network)))
}
