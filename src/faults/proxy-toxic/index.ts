/**
 * proxy-toxic: adds a Toxiproxy toxic to one of the run's tcp proxies for the duration, then
 * removes it. Live connections get it at once, as with Toxiproxy's API.
 * @module
 */
import { defineFault, FaultInjectionError } from '../contract.js'
import { proxyOf, recordProxyUndo } from '../proxy-faults.js'
import { toxicProblem, zeroAttributes, type Toxic } from '../../proxy/toxic-spec.js'

export const proxyToxicFault = defineFault({
  type: 'proxy-toxic',
  describe(params) {
    const t = params.toxic
    const attrs = Object.entries(t.attributes ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')
    return [
      `toxic ${t.type}${attrs ? ` (${attrs})` : ''} on proxy ${params.proxy} ${t.stream ?? 'downstream'}, removed after ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const { proxy } = proxyOf(ctx, ctx.params.proxy, ['tcp'])
    const spec = ctx.params.toxic
    const stream = spec.stream ?? 'downstream'
    const toxic: Toxic = {
      name: `ordeal-${ctx.fault.id}`,
      type: spec.type,
      stream,
      direction: stream,
      toxicity: spec.toxicity ?? 1,
      attributes: { ...zeroAttributes(spec.type), ...spec.attributes },
    }
    const problem = toxicProblem(toxic)
    if (problem !== undefined) {
      throw new FaultInjectionError(`proxy ${proxy.name}: ${problem}`)
    }
    const label = `remove toxic ${toxic.name} from proxy ${proxy.name}`
    const undos = recordProxyUndo(ctx, label)
    proxy.addToxic(toxic)
    ctx.action(`toxic ${toxic.type} on proxy ${proxy.name} (${stream})`)
    return {
      targets: [`proxy ${proxy.name}`],
      async revert() {
        if (proxy.allToxics().includes(toxic)) {
          proxy.removeToxic(toxic)
        }
        await undos.revert()
      },
    }
  },
})
