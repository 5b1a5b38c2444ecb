/**
 * A client connection and its upstream connection, joined by two links: `upstream` carries
 * client→server bytes, `downstream` server→client bytes. When one side finishes, the other
 * socket is closed too (the reference closes whole connections, not halves).
 * @module
 */
import type { Socket } from 'node:net'
import { Link, type LinkOwner } from './link.js'
import type { Random } from './rng.js'
import type { Stream, Toxic } from './toxic-spec.js'

export class Connection implements LinkOwner {
  readonly links: Record<Stream, Link>
  private closing = false

  constructor(
    readonly client: Socket,
    readonly server: Socket,
    toxics: Record<Stream, readonly Toxic[]>,
    readonly random: Random,
    readonly resetOnClose: boolean
  ) {
    this.links = {
      upstream: new Link(client, server, this, toxics.upstream),
      downstream: new Link(server, client, this, toxics.downstream),
    }
  }

  /** Both sockets closed: a promise for the proxy to forget this connection. */
  closed(): Promise<void> {
    const gone = (s: Socket) =>
      s.closed ? Promise.resolve() : new Promise<void>((r) => s.once('close', () => r()))
    return Promise.all([gone(this.client), gone(this.server)]).then(() => undefined)
  }

  finished(link: Link): void {
    // Flush what was written, then close; the other link sees 'close' and ends too.
    const dest = link === this.links.upstream ? this.server : this.client
    dest.end(() => dest.destroy())
  }

  close(kind: 'fin' | 'rst'): void {
    if (this.closing) {
      return
    }
    this.closing = true
    this.links.upstream.close()
    this.links.downstream.close()
    for (const socket of [this.client, this.server]) {
      if (kind === 'rst' && !socket.destroyed) {
        socket.resetAndDestroy()
      } else {
        socket.end(() => socket.destroy())
      }
    }
  }

  /** Proxy going down (disable, delete, shutdown): no grace. */
  destroy(): void {
    this.closing = true
    this.links.upstream.close()
    this.links.downstream.close()
    this.client.destroy()
    this.server.destroy()
  }
}
