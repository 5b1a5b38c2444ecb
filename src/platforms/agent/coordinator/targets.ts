/**
 * Which parts carry out a fault step of a multi-host run, and with what. A network-partition
 * whose groups name `agent:X` is carried out by every agent named, each dropping its own side
 * (its PartRule[]: the partition's DROP rules computed over the parts' addresses, as for
 * local hosts, and kept per part); any other fault runs, with its own driver, on `fault.agent`
 * or else on the agent of its target service.
 * @module
 */
import type { Experiment, Fault } from '../../../experiment/model.js'
import { partitionRules } from '../../../faults/network-partition/rules.js'
import type { HostPlan } from '../../../platforms/local/network/topology.js'
import type { PartRule } from '../part.js'

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
  addresses: ReadonlyMap<string, string>
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
    return partitionParts(groups, params.direction ?? 'both', fault.id, addresses)
  }
  const service = params.target?.service
  const logical = fault.agent ?? experiment.system.services.find((s) => s.name === service)?.agent
  if (logical === undefined) {
    return `fault ${fault.id} names no agent (set fault.agent, or target a service placed with agent:)`
  }
  if (!addresses.has(logical)) {
    return `fault ${fault.id} names agent ${logical}, which is not one of the run's parts`
  }
  return [{ logical }]
}

function partitionParts(
  groups: string[][],
  direction: 'both' | 'one-way',
  comment: string,
  addresses: ReadonlyMap<string, string>
): FaultPart[] | string {
  const plans: HostPlan[][] = []
  for (const group of groups) {
    const plan: HostPlan[] = []
    for (const entry of group) {
      const logical = entry.slice(AGENT_GROUP_PREFIX.length)
      const address = addresses.get(logical)
      if (!entry.startsWith(AGENT_GROUP_PREFIX) || address === undefined) {
        return `partition group member ${entry} is not agent:NAME of one of the run's parts`
      }
      // The namespace is the logical name, only to sort the rules per part: each agent
      // applies its own in its own network namespace.
      plan.push({
        name: logical,
        namespace: logical,
        interfaces: [{ network: '', ifname: '', peer: '', bridge: '', address }],
      })
    }
    plans.push(plan)
  }
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
