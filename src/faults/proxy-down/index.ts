/**
 * proxy-down: one of the run's proxies stops listening and drops every connection for the
 * duration (clients see refused connects and resets), then listens again on the same port.
 * @module
 */
import { defineFault } from '../contract.js'
import { proxyOf, recordProxyUndo } from '../proxy-faults.js'

export const proxyDownFault = defineFault({
  type: 'proxy-down',
  describe(params) {
    return [`proxy ${params.proxy} down (connections dropped), up again after ${params.duration}`]
  },
  async inject(ctx) {
    const { proxy } = proxyOf(ctx, ctx.params.proxy, ['tcp', 'http'])
    const undos = recordProxyUndo(ctx, `enable proxy ${proxy.name}`)
    proxy.stop()
    ctx.action(`proxy ${proxy.name} down`)
    return {
      targets: [`proxy ${proxy.name}`],
      async revert() {
        await proxy.start()
        await undos.revert()
      },
    }
  },
})
