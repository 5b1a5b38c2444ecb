/**
 * dns-fault: a rule in the run's resolver (src/dns/) answers matching lookups with NXDOMAIN,
 * SERVFAIL, a wrong address or silence, per query with a probability, for the fault window.
 * The rule lives in the runner's process: if the runner dies, the resolver dies with it and
 * the system's ledger entries remove the hosts' resolv.conf files, so nothing answers falsely
 * afterwards. The ledger still gets an entry (kind `none`) before the rule is added, so the
 * journal and `ordeal recover` account for the fault.
 * @module
 */
import { defineFault, FaultInjectionError } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { ownHost, topologyOf } from '../../platforms/local/network/fault-support.js'
import { resolverOfRun } from '../../dns/run-resolver.js'
import { DnsRule } from '../../dns/rules.js'
import type { DnsFaultParams } from './schema.js'

function answerText(p: DnsFaultParams): string {
  return p.answer === 'address' ? `the wrong address ${p.address}` : p.answer
}

export const dnsFaultFault = defineFault({
  type: 'dns-fault',
  describe(params) {
    const who = params.hosts ? `hosts ${params.hosts.join(', ')}` : 'every host'
    const chance = params.probability === undefined ? '' : ` with probability ${params.probability}`
    return [
      `the run's resolver answers lookups of ${params.names.join(', ')} by ${who} with ${answerText(params)}${chance}, for ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const p = ctx.params
    const topology = topologyOf(ctx.runId, 'dns-fault')
    const hosts = p.hosts?.map((name) => ownHost(topology, name).name)
    const resolver = resolverOfRun(ctx.runId)
    if (!resolver) {
      throw new FaultInjectionError("dns-fault: the run's resolver is not running")
    }
    const rule = new DnsRule({
      ...(hosts ? { hosts } : {}),
      names: p.names,
      answer: p.answer,
      ...(p.address === undefined ? {} : { address: p.address }),
      probability: p.probability ?? 1,
    })
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    undos.record({
      kind: 'none',
      label: `dns-fault rule in the run's resolver (ends with the runner; the hosts' resolv.conf files are removed by the system's entries)`,
    })
    resolver.addRule(rule)
    ctx.action(`resolver answers ${p.names.join(', ')} with ${answerText(p)}`)
    let summarized = false
    return {
      targets: hosts ?? topology.hosts.map((h) => h.name),
      revert: async () => {
        resolver.removeRule(rule)
        if (!summarized) {
          summarized = true
          ctx.action(rule.summary())
        }
        await undos.revert()
      },
    }
  },
})
