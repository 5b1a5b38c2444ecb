/**
 * One proxy: a listener that, per accepted client, dials the upstream and joins the two with
 * a Connection; and the toxic chains of both directions, changes to which reach live links.
 * @module
 */
import net from 'node:net'
import { bindError, joinHostPort, resolveListen, splitHostPort } from './addr.js'
import { Connection } from './connection.js'
import { toxicNotFound } from './errors.js'
import type { Random } from './rng.js'
import { toxicJson, type Stream, type Toxic } from './toxic-spec.js'

export type ProxyLog = (line: string) => void

export class Proxy {
  enabled = false
  readonly toxics: Record<Stream, Toxic[]> = { upstream: [], downstream: [] }
  private server: net.Server | undefined
  private readonly connections = new Set<Connection>()

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly random: Random,
    private readonly log: ProxyLog
  ) {}

  /** Binds the listener; throws an ApiError (500) with Go's wording when it cannot. */
  async start(): Promise<void> {
    if (this.server) {
      return
    }
    const at = await resolveListen(this.listen)
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) =>
      this.accept(client)
    )
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(bindError(at, error)))
      server.listen(at.port, at.host, () => resolve())
    })
    const bound = server.address() as net.AddressInfo
    this.server = server
    this.listen = joinHostPort(bound.address, bound.port)
    this.enabled = true
    this.log(`proxy ${this.name}: listening on ${this.listen}, upstream ${this.upstream}`)
  }

  /** The "down" fault: listener and every connection close, new connects are refused. */
  stop(): void {
    this.enabled = false
    if (!this.server) {
      return
    }
    this.server.close()
    this.server = undefined
    for (const connection of this.connections) {
      connection.destroy()
    }
    this.connections.clear()
    this.log(`proxy ${this.name}: stopped`)
  }

  allToxics(): Toxic[] {
    return [...this.toxics.upstream, ...this.toxics.downstream]
  }

  findToxic(name: string): Toxic {
    const toxic = this.allToxics().find((t) => t.name === name)
    if (!toxic) {
      throw toxicNotFound()
    }
    return toxic
  }

  addToxic(toxic: Toxic): void {
    const chain = this.toxics[toxic.direction]
    chain.push(toxic)
    for (const c of this.connections) {
      c.links[toxic.direction].add(toxic, chain.length - 1)
    }
  }

  /** Attributes and toxicity were changed in place; live links re-roll and re-wire. */
  toxicUpdated(toxic: Toxic): void {
    for (const c of this.connections) {
      c.links[toxic.direction].update(toxic)
    }
  }

  removeToxic(toxic: Toxic): void {
    const chain = this.toxics[toxic.direction]
    chain.splice(chain.indexOf(toxic), 1)
    for (const c of this.connections) {
      c.links[toxic.direction].remove(toxic)
    }
  }

  json(): object {
    const toxics = this.allToxics().map(toxicJson)
    const { name, listen, upstream, enabled } = this
    return { name, listen, upstream, enabled, toxics }
  }

  private accept(client: net.Socket): void {
    const peer = `${client.remoteAddress}:${client.remotePort}`
    client.on('error', () => undefined)
    const target = splitHostPort(this.upstream)
    if (typeof target === 'string') {
      this.log(`proxy ${this.name}: ${peer} closed: upstream ${target}`)
      client.destroy()
      return
    }
    const resetOnClose = this.allToxics().some((t) => t.type === 'reset_peer')
    const server = net.connect({
      host: target.host,
      port: Number(target.port),
      allowHalfOpen: true,
      noDelay: true,
    })
    server.on('error', (error) => {
      if (!server.connecting) {
        return
      }
      this.log(`proxy ${this.name}: ${peer} closed: upstream ${this.upstream}: ${error.message}`)
      client.destroy()
    })
    server.once('connect', () => {
      if (!this.server || client.destroyed) {
        server.destroy()
        client.destroy()
        return
      }
      const toxics = {
        upstream: [...this.toxics.upstream],
        downstream: [...this.toxics.downstream],
      }
      const connection = new Connection(client, server, toxics, this.random, resetOnClose)
      this.connections.add(connection)
      this.log(`proxy ${this.name}: ${peer} connected to ${this.upstream}`)
      void connection.closed().then(() => {
        this.connections.delete(connection)
        this.log(`proxy ${this.name}: ${peer} closed`)
      })
    })
  }
}
