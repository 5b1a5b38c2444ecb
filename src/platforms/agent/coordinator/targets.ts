/**
 * Which parts carry out a fault step of a multi-host run, and with what. A network-partition
 * whose groups name `agent:X` is carried out by every agent named, each dropping its own side
 * (its PartRule[]: the partition's DROP rules computed over the parts' addresses, as for
 * local hosts, and kept per part); any other fault runs, with its own driver, on `fault.agent`
 * or else on the agent of its target service.
 *
 * A partition is refused as a whole, before any side is sent, when it would cut the Chaos
 * Center off an agent (a part on the Center's host drops the other parts' addresses in the
 * Center's own namespace, so the Center's sockets to them go dark too), or when parts on
 * opposite sides share an address (two agents on one host, or behind one NAT or proxy): the
 * rules would then drop that host's own address, or a NAT's, and partition nothing.
 * @module
 */
import type { Experiment, Fault } from '../../../experiment/model.js'
import { partitionRules } from '../../../faults/network-partition/rules.js'
import type { HostPlan } from '../../../platforms/local/network/topology.js'
import type { PartRule } from '../part.js'
import type { PartLink } from './link.js'

/** What the fault's targeting needs to know of a part. */
export type PartSite = Pick<PartLink, 'agent' | 'address' | 'onCenterHost'>

/** `agent:a` in a partition's `between` group names the logical host `a`. */
export const AGENT_GROUP_PREFIX = 'agent:'

export interface FaultPart {
  logical: string
  /** This part's side of a cross-host partition; absent: the fault's own driver. */
  rules?: PartRule[]
}

/** The parts of a fault, or why it has none (a line for the step's error). */
export function faultParts(
  experiment: Experiment,
  fault: Fault,
  sites: ReadonlyMap<string, PartSite>
): FaultPart[] | string {
  const params = fault.params as {
    type: string
    between?: string[][]
    direction?: 'both' | 'one-way'
    target?: { service?: string }
  }
  const groups = params.between
  if (
    params.type === 'network-partition' &&
    groups?.some((g) => g.some((h) => h.startsWith(AGENT_GROUP_PREFIX)))
  ) {
    return partitionParts(groups, params.direction ?? 'both', fault.id, sites)
  }
  const service = params.target?.service
  const logical = fault.agent ?? experiment.system.services.find((s) => s.name === service)?.agent
  if (logical === undefined) {
    return `fault ${fault.id} names no agent (set fault.agent, or target a service placed with agent:)`
  }
  if (!sites.has(logical)) {
    return `fault ${fault.id} names agent ${logical}, which is not one of the run's parts`
  }
  return [{ logical }]
}

function partitionParts(
  groups: string[][],
  direction: 'both' | 'one-way',
  comment: string,
  sites: ReadonlyMap<string, PartSite>
): FaultPart[] | string {
  const members: { logical: string; site: PartSite; group: number }[] = []
  for (const [g, group] of groups.entries()) {
    for (const entry of group) {
      const logical = entry.slice(AGENT_GROUP_PREFIX.length)
      const site = sites.get(logical)
      if (!entry.startsWith(AGENT_GROUP_PREFIX) || site === undefined) {
        return `partition group member ${entry} is not agent:NAME of one of the run's parts`
      }
      members.push({ logical, site, group: g })
    }
  }
  // Every side is checked here, before the caller sends any of them.
  const central = members.find((m) => m.site.onCenterHost)
  if (central) {
    return `the partition would cut the Chaos Center off agent ${central.site.agent} (${central.logical}): it runs on the Chaos Center's host`
  }
  // Peers are the other groups' addresses: with no address shared across groups, no part
  // drops its own address either.
  for (const x of members) {
    const y = members.find((m) => m.group !== x.group && m.site.address === x.site.address)
    if (y) {
      return `the partition cannot separate agent ${x.site.agent} (${x.logical}) from agent ${y.site.agent} (${y.logical}): both are at ${x.site.address} (one host, or one NAT or proxy, for both)`
    }
  }
  // The namespace is the logical name, only to sort the rules per part: each agent applies
  // its own in its own network namespace.
  const plans: HostPlan[][] = groups.map((_, g) =>
    members
      .filter((m) => m.group === g)
      .map(({ logical, site }) => ({
        name: logical,
        namespace: logical,
        interfaces: [{ network: '', ifname: '', peer: '', bridge: '', address: site.address }],
      }))
  )
  const rules = new Map<string, Map<string, PartRule>>()
  for (const plan of plans.flat()) {
    rules.set(plan.namespace, new Map())
  }
  for (const rule of partitionRules(plans, direction, comment)) {
    const peer = rule.match[1]!
    // Both ends of a pair name the same DROP twice (x→y and y→x): once is enough.
    rules.get(rule.namespace)!.set(`${rule.chain} ${peer}`, { chain: rule.chain, peer })
  }
  return [...rules].map(([logical, own]) => ({ logical, rules: [...own.values()] }))
}
