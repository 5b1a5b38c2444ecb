/**
 * The run's resolver: a small DNS server on each network's gateway address (port 53, in
 * ordeal's namespace), over UDP and TCP. It answers the run's own names (run-names.ts), lets
 * active dns-fault rules answer first, and answers every other name REFUSED: it never sends a
 * query anywhere, so a service on a host gets no DNS channel off the machine (DESIGN: no
 * traffic to any other address).
 * It lives in the runner's process: when the runner dies, so do its sockets and every rule.
 * @module
 */
import dgram from 'node:dgram'
import net from 'node:net'
import { FAULT_TTL, parseQuery, reply } from './answers.js'
import type { DnsRule } from './rules.js'
import type { RunNames } from './run-names.js'

export const DNS_PORT = 53
/** RFC 7766 suggests closing idle DNS-over-TCP connections after some seconds. */
const kTcpIdleMs = 10_000
/** RFC 1035's UDP payload limit (the resolver does not read EDNS0 sizes). */
const kUdpMax = 512

export interface ResolverOptions {
  /** Port to listen on (tests of the server alone use a free one). */
  port?: number
}

export class RunResolver {
  readonly #names: RunNames
  readonly #port: number
  /** Newest first: a later fault on the same name takes precedence. */
  #rules: DnsRule[] = []
  readonly #udp: dgram.Socket[] = []
  readonly #tcp: net.Server[] = []
  readonly #connections = new Set<net.Socket>()

  constructor(names: RunNames, options: ResolverOptions = {}) {
    this.#names = names
    this.#port = options.port ?? DNS_PORT
  }

  /** Listens on every address (UDP and TCP); rejects, closing what opened, if any bind fails. */
  async listen(addresses: readonly string[]): Promise<void> {
    try {
      for (const address of addresses) {
        await this.#listenUdp(address)
        await this.#listenTcp(address)
      }
    } catch (error) {
      await this.close()
      throw error
    }
  }

  addRule(rule: DnsRule): void {
    this.#rules = [rule, ...this.#rules]
  }

  removeRule(rule: DnsRule): void {
    this.#rules = this.#rules.filter((r) => r !== rule)
  }

  /** The reply to one query message from `from`, or undefined to stay silent. */
  answer(message: Buffer, from: string, udp = false): Buffer | undefined {
    const query = parseQuery(message)
    if (!query) {
      return undefined
    }
    const question = query.questions![0]!
    const asker = this.#names.hostAt(from)?.name
    for (const rule of this.#rules) {
      const verdict = rule.decide(question.name, asker)
      if (!verdict) {
        continue
      }
      switch (verdict.answer) {
        case 'timeout':
          return undefined
        case 'nxdomain':
          return reply(query, 'NXDOMAIN', [], FAULT_TTL)
        case 'servfail':
          return reply(query, 'SERVFAIL', [], FAULT_TTL)
        case 'address':
          return reply(query, 'NOERROR', [verdict.address], FAULT_TTL)
      }
    }
    const own = this.#names.lookup(question.name, from)
    if (own) {
      // AAAA and other types of a run name: the name exists, with no such record.
      const out = reply(query, 'NOERROR', own)
      // A service on many hosts: over UDP, say "truncated" and the client asks again over TCP.
      return udp && out.length > kUdpMax ? reply(query, 'NOERROR', [], 0, true) : out
    }
    // Not the run's name: never relayed anywhere.
    return reply(query, 'REFUSED')
  }

  /** A query that makes dns-packet throw while encoding the reply is not answered. */
  #safeAnswer(message: Buffer, from: string, udp = false): Buffer | undefined {
    try {
      return this.answer(message, from, udp)
    } catch {
      return undefined
    }
  }

  async close(): Promise<void> {
    for (const socket of this.#connections) {
      socket.destroy()
    }
    await Promise.all([
      ...this.#udp.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      ...this.#tcp.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    ])
    this.#udp.length = 0
    this.#tcp.length = 0
  }

  #listenUdp(address: string): Promise<void> {
    // reuseAddr: a local DNS server bound to 0.0.0.0:53 with SO_REUSEADDR (dnsmasq) does not
    // keep us off this run's own gateway address.
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true })
    socket.on('message', (message, from) => {
      const out = this.#safeAnswer(message, from.address, true)
      if (out) {
        socket.send(out, from.port, from.address)
      }
    })
    return new Promise((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(this.#port, address, () => {
        socket.off('error', reject)
        // A send error (the asker's namespace is gone) must not take the runner down.
        socket.on('error', () => undefined)
        this.#udp.push(socket)
        resolve()
      })
    })
  }

  #listenTcp(address: string): Promise<void> {
    const server = net.createServer((connection) => this.#serve(connection))
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: address, port: this.#port, exclusive: true }, () => {
        server.off('error', reject)
        this.#tcp.push(server)
        resolve()
      })
    })
  }

  /** DNS over TCP: each message is preceded by its length (RFC 1035 §4.2.2). */
  #serve(connection: net.Socket): void {
    this.#connections.add(connection)
    connection.on('close', () => this.#connections.delete(connection))
    connection.on('error', () => undefined)
    // A client that opens a connection and goes quiet does not hold a descriptor for the run.
    connection.setTimeout(kTcpIdleMs, () => connection.destroy())
    let buffered = Buffer.alloc(0)
    connection.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0))
        buffered = buffered.subarray(2 + message.length)
        const from = connection.remoteAddress?.replace(/^::ffff:/, '') ?? ''
        const out = this.#safeAnswer(Buffer.from(message), from)
        if (out && !connection.destroyed) {
          const length = Buffer.alloc(2)
          length.writeUInt16BE(out.length)
          connection.write(Buffer.concat([length, out]))
        }
      }
    })
  }
}
