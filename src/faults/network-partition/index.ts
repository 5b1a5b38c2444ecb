/**
 * network-partition: iptables DROP rules inside the hosts' namespaces, between groups of hosts
 * (see rules.ts for exactly which packets). Each rule's delete is in the ledger before it exists.
 * @module
 */
import { defineFault } from '../contract.js'
import { ownHost, ruleComment, topologyOf } from '../../platforms/local/network/fault-support.js'
import { RuleSet } from '../../platforms/local/network/rule-set.js'
import { partitionRules } from './rules.js'

export const networkPartitionFault = defineFault({
  type: 'network-partition',
  describe(params) {
    const groups = params.between.map((g) => `[${g.join(', ')}]`).join(' | ')
    return [
      `iptables DROP between ${groups} (${params.direction ?? 'both'}), inside the hosts' namespaces, removed after ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const topology = topologyOf(ctx.runId, 'network-partition')
    const groups = ctx.params.between.map((g) => g.map((name) => ownHost(topology, name)))
    const rules = partitionRules(groups, ctx.params.direction ?? 'both', ruleComment(ctx.runId))
    const set = new RuleSet(ctx.ledger, ctx.fault.id, ctx.deadline)
    await set.apply(rules)
    ctx.action(`${rules.length} DROP rules in ${new Set(rules.map((r) => r.namespace)).size} hosts`)
    return { targets: groups.flat().map((h) => h.name), revert: () => set.heal() }
  },
})
