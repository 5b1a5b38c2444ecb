/**
 * The proxies of one run (`spec.system.proxies`), started by the runner before the services
 * and closed after them. They live in the runner's process: a runner that dies takes its
 * proxies, and with them every toxic and HTTP rule, so proxy faults need no undo beyond the
 * process itself (their ledger entries are `none`, recorded for completeness).
 * @module
 */
import type { ProxySpec } from '../experiment/model.js'
import { renderTemplate, type TemplateVars } from '../shared/template.js'
import { ProxyCollection } from './collection.js'
import { HttpFaultProxy } from './http/fault-proxy.js'
import type { Proxy } from './proxy.js'
import { randomSeed, seededRandom } from './rng.js'

export type RunProxy = { kind: 'tcp'; proxy: Proxy } | { kind: 'http'; proxy: HttpFaultProxy }

const kHost = '127.0.0.1'

/** Drivers find the proxies of their run here (one process may run several runs in tests). */
const byRun = new Map<string, RunProxies>()

export function runProxies(runId: string): RunProxies | undefined {
  return byRun.get(runId)
}

export class RunProxies {
  readonly #tcp = new ProxyCollection(seededRandom(randomSeed()), () => undefined)
  readonly #all = new Map<string, RunProxy>()

  constructor(
    readonly runId: string,
    readonly specs: ProxySpec[]
  ) {}

  /** Binds every proxy; upstream templates render against the services' assigned ports. */
  async start(vars: TemplateVars): Promise<void> {
    byRun.set(this.runId, this)
    for (const spec of this.specs) {
      let upstream: string
      try {
        upstream = renderTemplate(spec.upstream, vars)
      } catch (error) {
        throw new Error(`proxy ${spec.name}: upstream: ${(error as Error).message}`, {
          cause: error,
        })
      }
      if (spec.kind === 'http') {
        const proxy = new HttpFaultProxy({
          name: spec.name,
          upstream,
          host: kHost,
          port: spec.port,
        })
        await proxy.start()
        this.#all.set(spec.name, { kind: 'http', proxy })
      } else {
        const proxy = await this.#tcp.create({
          name: spec.name,
          listen: `${kHost}:${spec.port}`,
          upstream,
          enabled: true,
        })
        this.#all.set(spec.name, { kind: 'tcp', proxy })
      }
    }
  }

  get(name: string): RunProxy | undefined {
    return this.#all.get(name)
  }

  /** `{ NAME: { host, port, address } }` for `{{proxies.NAME.port}}`. */
  templateVars(): TemplateVars {
    const vars: TemplateVars = {}
    for (const [name, entry] of this.#all) {
      const port = entry.kind === 'http' ? entry.proxy.port : portOf(entry.proxy.listen)
      vars[name] = { host: kHost, port, address: `${kHost}:${port}` }
    }
    return vars
  }

  close(): void {
    byRun.delete(this.runId)
    for (const entry of this.#all.values()) {
      entry.proxy.stop()
    }
    this.#tcp.closeAll()
    this.#all.clear()
  }
}

function portOf(listen: string): number {
  return Number(listen.slice(listen.lastIndexOf(':') + 1))
}
