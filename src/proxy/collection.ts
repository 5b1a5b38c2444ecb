/**
 * All proxies by name, and the operations that touch several: create, update, populate, reset.
 * @module
 */
import { resolveListen, joinHostPort } from './addr.js'
import { ApiError, badBody, missingField, proxyExists, proxyNotFound } from './errors.js'
import { goKind, type GoValue } from './go-json.js'
import { Proxy, type ProxyLog } from './proxy.js'
import { decodeOnto, proxyFields, type ProxyInput } from './requests.js'
import type { Random } from './rng.js'

export class PopulateError extends ApiError {
  constructor(
    error: ApiError,
    readonly proxies: Proxy[] | null
  ) {
    super(error.status, error.message)
  }
}

export class ProxyCollection {
  readonly proxies = new Map<string, Proxy>()

  constructor(
    private readonly random: Random,
    private readonly log: ProxyLog
  ) {}

  get(name: string): Proxy {
    const proxy = this.proxies.get(name)
    if (!proxy) {
      throw proxyNotFound()
    }
    return proxy
  }

  /** Sorted by name, as Go marshals maps. */
  list(): Proxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : 1))
  }

  async create(input: ProxyInput): Promise<Proxy> {
    if (input.name === '') {
      throw missingField('name')
    }
    if (input.upstream === '') {
      throw missingField('upstream')
    }
    if (this.proxies.has(input.name)) {
      throw proxyExists()
    }
    const proxy = new Proxy(input.name, input.listen, input.upstream, this.random, this.log)
    if (input.enabled) {
      await proxy.start()
    }
    if (this.proxies.has(input.name)) {
      proxy.stop()
      throw proxyExists()
    }
    this.proxies.set(proxy.name, proxy)
    return proxy
  }

  async update(proxy: Proxy, input: ProxyInput): Promise<void> {
    const at = await resolveListen(input.listen)
    if (joinHostPort(at.host, at.port) !== proxy.listen || input.upstream !== proxy.upstream) {
      proxy.stop()
      proxy.listen = input.listen
      proxy.upstream = input.upstream
    }
    if (input.enabled) {
      await proxy.start()
    } else {
      proxy.stop()
    }
  }

  remove(proxy: Proxy): void {
    proxy.stop()
    this.proxies.delete(proxy.name)
  }

  /** POST /populate: every item checked first, then created or replaced in order. */
  async populate(value: GoValue): Promise<Proxy[]> {
    if (value !== null && !Array.isArray(value)) {
      throw badBody(`json: cannot unmarshal ${goKind(value)} into Go value of type []proxy.Proxy`)
    }
    const inputs = (value ?? []).map((item) => {
      const input: Record<string, unknown> = { name: '', listen: '', upstream: '', enabled: true }
      decodeOnto(item, proxyFields, input, 'proxy.Proxy')
      return input as unknown as ProxyInput
    })
    inputs.forEach((input, i) => {
      if (input.name === '') {
        throw missingField(`name at proxy ${i + 1}`)
      }
      if (input.upstream === '') {
        throw missingField(`upstream at proxy ${i + 1}`)
      }
    })
    const done: Proxy[] = []
    for (const input of inputs) {
      try {
        done.push(await this.addOrReplace(input))
      } catch (error) {
        throw error instanceof ApiError ? new PopulateError(error, done) : error
      }
    }
    return done
  }

  /** POST /reset: every proxy enabled again and stripped of its toxics. */
  async reset(): Promise<void> {
    for (const proxy of this.list()) {
      await proxy.start()
      for (const toxic of proxy.allToxics()) {
        proxy.removeToxic(toxic)
      }
    }
  }

  closeAll(): void {
    for (const proxy of this.proxies.values()) {
      proxy.stop()
    }
    this.proxies.clear()
  }

  private async addOrReplace(input: ProxyInput): Promise<Proxy> {
    const existing = this.proxies.get(input.name)
    if (existing) {
      const at = await resolveListen(input.listen)
      if (
        joinHostPort(at.host, at.port) === existing.listen &&
        input.upstream === existing.upstream
      ) {
        return existing
      }
      this.remove(existing)
    }
    return this.create(input)
  }
}
