/**
 * Port allocation for replicas: `base + index` for a declared base, or a free loopback port
 * picked by the kernel when the base is 0.
 * @module
 */
import { createServer } from 'node:net'
import { processCommandLine } from '../../safety/proc.js'
import { listeningInodes, pidsListeningOn } from './proc-net.js'

/** A port the kernel considers free on 127.0.0.1 right now (bind to port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))))
    })
  })
}

/**
 * A free port not in `taken` (which it then joins). The kernel may hand the same ephemeral port
 * out again once it is closed, so replicas would collide without this bookkeeping.
 */
export async function pickFreePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort()
    if (!taken.has(port)) {
      taken.add(port)
      return port
    }
  }
  throw new Error('could not find a free port on 127.0.0.1')
}

/** The fixed port of replica `index` for a declared base, or undefined when it is picked (base 0). */
export function fixedPort(base: number, index: number): number | undefined {
  return base > 0 ? base + index : undefined
}

/** What ports.ts needs of a replica: its service's declared bases and the ports to fill in. */
export interface PortOwner {
  label: string
  index: number
  spec: { ports: Record<string, number> }
  ports: Record<string, number>
}

/**
 * Fills in every replica's ports: declared ones first (a clash between two declarations is an
 * error), then a distinct free port for each base 0, so a picked port never lands on a declared one.
 */
export async function assignPorts(replicas: PortOwner[]): Promise<void> {
  const owners = new Map<number, string>()
  for (const replica of replicas) {
    for (const [name, base] of Object.entries(replica.spec.ports)) {
      const port = fixedPort(base, replica.index)
      if (port === undefined) {
        continue
      }
      const owner = owners.get(port)
      if (owner) {
        throw new Error(`port ${port} (${name}) of ${replica.label} is also assigned to ${owner}`)
      }
      owners.set(port, replica.label)
    }
  }
  const taken = new Set(owners.keys())
  for (const replica of replicas) {
    for (const [name, base] of Object.entries(replica.spec.ports)) {
      replica.ports[name] = fixedPort(base, replica.index) ?? (await pickFreePort(taken))
    }
  }
}

/**
 * Why `ports` cannot be used, or undefined when none is listened on. A leftover server from an
 * earlier run would otherwise answer the readiness check in the new replica's place.
 */
export async function portsInUse(ports: Record<string, number>): Promise<string | undefined> {
  for (const [name, port] of Object.entries(ports)) {
    if ((await listeningInodes(port)).size > 0) {
      const holders = (await pidsListeningOn(port)).map(
        (pid) => `pid ${pid} (${processCommandLine(pid) ?? '?'})`
      )
      return `port ${name}=${port} is already in use${holders.length > 0 ? ` by ${holders.join(', ')}` : ''}`
    }
  }
  return undefined
}
