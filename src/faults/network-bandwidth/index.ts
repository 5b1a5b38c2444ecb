/**
 * network-bandwidth: a tbf qdisc. Egress (what the host sends): on its interface inside its
 * namespace. Ingress (what it receives): on the other end of its veth, the `ord-` link ordeal
 * created in the root namespace, whose egress is the host's ingress; no ifb needed.
 * @module
 */
import { defineFault } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { qdiscDel, tbfAdd } from '../../platforms/local/network/commands.js'
import { mustRun } from '../../safety/exec.js'
import { ownHost, topologyOf } from '../../platforms/local/network/fault-support.js'

export const networkBandwidthFault = defineFault({
  type: 'network-bandwidth',
  describe(params) {
    const on = params.network ? ` on ${params.network}` : ''
    return [
      `limit host ${params.host}${on} to ${params.rate} (${params.direction ?? 'both'}; tc tbf), for ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const p = ctx.params
    const host = ownHost(topologyOf(ctx.runId, 'network-bandwidth'), p.host)
    const direction = p.direction ?? 'both'
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const touched: string[] = []
    for (const iface of host.interfaces.filter((i) => !p.network || i.network === p.network)) {
      const places: [string | undefined, string][] = []
      if (direction !== 'ingress') {
        places.push([host.namespace, iface.ifname])
      }
      if (direction !== 'egress') {
        places.push([undefined, iface.peer])
      }
      for (const [ns, dev] of places) {
        undos.record({ kind: 'command', argv: qdiscDel(ns, dev), label: `remove tbf on ${dev}` })
        await mustRun(tbfAdd(ns, dev, p.rate))
        touched.push(`${host.name} ${ns ? `egress ${dev}` : `ingress (${dev})`}`)
      }
    }
    ctx.action(`tbf ${p.rate} on ${touched.join(', ')}`)
    return { targets: touched, revert: () => undos.revert() }
  },
})
