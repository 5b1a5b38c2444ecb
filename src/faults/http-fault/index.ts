/**
 * http-fault: a rule on one of the run's http proxies for the duration. Matching requests are,
 * for `percent` of them, answered with a status without reaching the upstream, delayed, or
 * reset (xk6-disruptor's semantics); the rest pass through unchanged.
 * @module
 */
import { parseDuration } from '../../shared/duration.js'
import type { HttpAction } from '../../proxy/http/rule.js'
import { defineFault } from '../contract.js'
import { proxyOf, recordProxyUndo } from '../proxy-faults.js'
import type { HttpFaultParams } from './schema.js'

export const httpFaultFault = defineFault({
  type: 'http-fault',
  describe(params) {
    return [
      `on proxy ${params.proxy}: ${describeAction(toAction(params.action))} on ${params.percent ?? 100}% of ${describeMatch(params.match)}, for ${params.duration}`,
    ]
  },
  async inject(ctx) {
    const { proxy } = proxyOf(ctx, ctx.params.proxy, ['http'])
    const action = toAction(ctx.params.action)
    const undos = recordProxyUndo(ctx, `remove http rule ${ctx.fault.id} from proxy ${proxy.name}`)
    const id = proxy.addRule({
      match: { ...ctx.params.match },
      percent: ctx.params.percent ?? 100,
      action,
    })
    ctx.action(`${describeAction(action)} on proxy ${proxy.name}`)
    return {
      targets: [`proxy ${proxy.name}`],
      async revert() {
        proxy.removeRule(id)
        await undos.revert()
      },
    }
  },
})

function toAction(action: HttpFaultParams['action']): HttpAction {
  if ('status' in action) {
    return {
      kind: 'status',
      status: action.status,
      ...(action.body === undefined ? {} : { body: action.body }),
    }
  }
  if ('delay' in action) {
    return { kind: 'delay', ms: parseDuration(action.delay) ?? 0 }
  }
  return { kind: 'reset' }
}

function describeAction(action: HttpAction): string {
  return action.kind === 'status'
    ? `answer ${action.status}`
    : action.kind === 'delay'
      ? `delay ${action.ms}ms`
      : 'reset'
}

function describeMatch(match: HttpFaultParams['match']): string {
  const parts = [
    match?.method,
    match?.path !== undefined ? `${match.path}*` : undefined,
    match?.pathRegex !== undefined ? `~/${match.pathRegex}/` : undefined,
    ...Object.entries(match?.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
  ].filter((p) => p !== undefined)
  return parts.length ? `requests ${parts.join(' ')}` : 'all requests'
}
