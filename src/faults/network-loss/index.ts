/**
 * network-loss: `-m statistic --mode random` DROP rules. Ingress: in the host's INPUT. Egress: in
 * each peer's INPUT, by the host's source address, so the sender sees loss, not EPERM (a DROP in
 * OUTPUT fails the sender's sendmsg, which real loss never does).
 * @module
 */
import { defineFault } from '../contract.js'
import { portMatches, statisticMatch, type Rule } from '../../platforms/local/network/commands.js'
import {
  neighbours,
  ownHost,
  ruleComment,
  topologyOf,
} from '../../platforms/local/network/fault-support.js'
import { RuleSet } from '../../platforms/local/network/rule-set.js'
import { addressesOf } from '../../platforms/local/network/topology.js'

export const networkLossFault = defineFault({
  type: 'network-loss',
  describe(params) {
    const peer = params.peer ? ` with ${params.peer}` : ''
    const port = params.port ? ` port ${params.port}` : ''
    return [
      `drop ${params.percent}% of ${params.direction ?? 'both'} packets of host ${params.host}${peer}${port} (iptables statistic), for ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const p = ctx.params
    const topology = topologyOf(ctx.runId, 'network-loss')
    const host = ownHost(topology, p.host)
    const peers = p.peer ? [ownHost(topology, p.peer)] : neighbours(topology, host)
    const comment = ruleComment(ctx.runId)
    const chance = statisticMatch(p.percent / 100)
    const direction = p.direction ?? 'both'
    const protocol = p.protocol ?? 'all'
    const rules: Rule[] = []
    if (direction !== 'egress') {
      const sources = p.peer ? peers.flatMap(addressesOf).map((a) => ['-s', a]) : [[]]
      for (const source of sources) {
        for (const port of portMatches(protocol, p.port, '--dport')) {
          rules.push({
            namespace: host.namespace,
            chain: 'INPUT',
            match: [...source, ...port, ...chance],
            comment,
          })
        }
      }
    }
    if (direction !== 'ingress') {
      for (const peer of peers) {
        for (const address of addressesOf(host)) {
          for (const port of portMatches(protocol, p.port, '--sport')) {
            rules.push({
              namespace: peer.namespace,
              chain: 'INPUT',
              match: ['-s', address, ...port, ...chance],
              comment,
            })
          }
        }
      }
    }
    const set = new RuleSet(ctx.ledger, ctx.fault.id, ctx.deadline)
    await set.apply(rules)
    ctx.action(`${rules.length} random-drop rules (p=${p.percent / 100})`)
    return { targets: [host.name, ...peers.map((h) => h.name)], revert: () => set.heal() }
  },
})
