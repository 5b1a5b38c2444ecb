/**
 * The DROP rules of a partition, pure so the pair semantics are unit-tested. For every host x in
 * group i and host y in group j ≠ i, by each of y's addresses:
 *
 * - both: x drops what it sends to y (OUTPUT -d) and what it receives from y (INPUT -s).
 * - one-way: only the first group's sending side: x in group 0 drops what it sends to y, and y
 *   drops what it receives from x. Packets from y to x still arrive.
 *
 * Dropping on both ends of a pair makes the partition hold even if one namespace's rules were
 * changed by the service under test.
 * @module
 */
import type { Rule } from '../../platforms/local/network/commands.js'
import { addressesOf, type HostPlan } from '../../platforms/local/network/topology.js'

export function partitionRules(
  groups: HostPlan[][],
  direction: 'both' | 'one-way',
  comment: string
): Rule[] {
  const rules: Rule[] = []
  const drop = (from: HostPlan, to: HostPlan) => {
    for (const address of addressesOf(to)) {
      rules.push({ namespace: from.namespace, chain: 'OUTPUT', match: ['-d', address], comment })
    }
    for (const address of addressesOf(from)) {
      rules.push({ namespace: to.namespace, chain: 'INPUT', match: ['-s', address], comment })
    }
  }
  groups.forEach((group, i) =>
    groups.forEach((other, j) => {
      if (i === j || (direction === 'one-way' && i !== 0)) {
        return
      }
      for (const x of group) {
        for (const y of other) {
          drop(x, y)
        }
      }
    })
  )
  return rules
}
