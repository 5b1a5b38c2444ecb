/**
 * port-blackhole: DROP (not REJECT) in the host's INPUT for one port, so connects time out the
 * way they do behind a dead load balancer or a firewall; every other port is untouched.
 * @module
 */
import { defineFault } from '../contract.js'
import { ownHost, ruleComment, topologyOf } from '../../platforms/local/network/fault-support.js'
import { RuleSet } from '../../platforms/local/network/rule-set.js'

export const portBlackholeFault = defineFault({
  type: 'port-blackhole',
  describe(params) {
    return [
      `drop every ${params.protocol ?? 'tcp'} packet to ${params.host}:${params.port} (iptables, in its namespace), for ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const topology = topologyOf(ctx.runId, 'port-blackhole')
    const host = ownHost(topology, ctx.params.host)
    const protocol = ctx.params.protocol ?? 'tcp'
    const set = new RuleSet(ctx.ledger, ctx.fault.id, ctx.deadline)
    await set.apply([
      {
        namespace: host.namespace,
        chain: 'INPUT',
        match: ['-p', protocol, '--dport', String(ctx.params.port)],
        comment: ruleComment(ctx.runId),
      },
    ])
    ctx.action(`blackholed ${host.name}:${ctx.params.port}/${protocol}`)
    return { targets: [`${host.name}:${ctx.params.port}`], revert: () => set.heal() }
  },
})
