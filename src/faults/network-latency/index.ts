/**
 * network-latency: netem delay on a host's egress. Kernels without sch_netem (like the one this
 * project is developed on) are detected before anything is touched; the proxy's latency toxic
 * is the way there.
 * @module
 */
import { defineFault, FaultInjectionError } from '../contract.js'
import { RecordedUndos } from '../recorded-undos.js'
import { parseDuration } from '../../shared/duration.js'
import { netemAdd, qdiscDel } from '../../platforms/local/network/commands.js'
import { mustRun } from '../../safety/exec.js'
import { ownHost, topologyOf } from '../../platforms/local/network/fault-support.js'
import { netemAvailable, PROXY_ALTERNATIVE } from '../../platforms/local/network/preflight.js'

export const networkLatencyFault = defineFault({
  type: 'network-latency',
  describe(params) {
    const jitter = params.jitter ? ` ± ${params.jitter}` : ''
    return [
      `delay egress of host ${params.host} by ${params.latency}${jitter} (tc netem; needs sch_netem), for ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const p = ctx.params
    if (!(await netemAvailable())) {
      throw new FaultInjectionError(
        `network-latency needs the netem qdisc, and this kernel has no netem (sch_netem). Instead, ${PROXY_ALTERNATIVE}`
      )
    }
    const host = ownHost(topologyOf(ctx.runId, 'network-latency'), p.host)
    const delayMs = parseDuration(p.latency) ?? 0
    const jitterMs = p.jitter ? (parseDuration(p.jitter) ?? 0) : 0
    const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
    const touched: string[] = []
    for (const iface of host.interfaces.filter((i) => !p.network || i.network === p.network)) {
      undos.record({
        kind: 'command',
        argv: qdiscDel(host.namespace, iface.ifname),
        label: `remove netem on ${host.name} ${iface.ifname}`,
      })
      await mustRun(netemAdd(host.namespace, iface.ifname, delayMs, jitterMs))
      touched.push(`${host.name} ${iface.ifname}`)
    }
    return { targets: touched, revert: () => undos.revert() }
  },
})
