/**
 * What the proxy faults share: finding the run's proxy, and the ledger entry. The proxies run
 * inside the runner (see proxy/run-proxies.ts), so a dead runner leaves no proxy and no toxic
 * behind: the entry is `none`, written before acting so the ledger still lists the fault.
 * @module
 */
import type { FaultContext } from './contract.js'
import { FaultInjectionError } from './contract.js'
import { RecordedUndos } from './recorded-undos.js'
import { runProxies, type RunProxy } from '../proxy/run-proxies.js'

export function proxyOf<K extends RunProxy['kind']>(
  ctx: FaultContext,
  name: string,
  kinds: readonly K[]
): Extract<RunProxy, { kind: K }> {
  const entry = runProxies(ctx.runId)?.get(name)
  if (!entry) {
    throw new FaultInjectionError(`no proxy named '${name}' is running in this run`)
  }
  if (!(kinds as readonly string[]).includes(entry.kind)) {
    throw new FaultInjectionError(
      `${ctx.fault.type} needs a proxy of kind ${kinds.join(' or ')}; '${name}' is ${entry.kind}`
    )
  }
  return entry as Extract<RunProxy, { kind: K }>
}

/** Records the (in-process, hence `none`) undo of `label` before the caller acts. */
export function recordProxyUndo(ctx: FaultContext, label: string): RecordedUndos {
  const undos = new RecordedUndos(ctx.ledger, ctx.fault.id, ctx.deadline)
  undos.record({ kind: 'none', label: `${label} (in-process proxy: gone with the runner)` })
  return undos
}
