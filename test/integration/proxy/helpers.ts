/**
 * Real-socket fixtures for the proxy tests: an in-process API, an echo upstream, a raw client
 * that records every read with its time, and a small JSON API caller.
 */
import net from 'node:net'
import { once } from 'node:events'
import { startProxyServer, type ProxyServer } from '../../../src/proxy/server.js'

export async function startApi(seed = 42n): Promise<ProxyServer> {
  return startProxyServer({ host: '127.0.0.1', port: 0, seed })
}

export interface Upstream {
  port: number
  address: string
  sockets: Set<net.Socket>
  close(): Promise<void>
}

/** A TCP upstream; by default it echoes. */
export async function startUpstream(onSocket?: (s: net.Socket) => void): Promise<Upstream> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
    socket.setNoDelay(true)
    if (onSocket) {
      onSocket(socket)
    } else {
      socket.pipe(socket)
    }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    address: `127.0.0.1:${port}`,
    sockets,
    async close() {
      for (const s of sockets) {
        s.destroy()
      }
      await new Promise((r) => server.close(r))
    },
  }
}

export async function api(
  server: ProxyServer,
  method: string,
  path: string,
  body?: unknown
): Promise<{ status: number; json: unknown; text: string; headers: Headers }> {
  const res = await fetch(server.url + path, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, json, text, headers: res.headers }
}

/** Creates a proxy to `upstream` and returns its bound port. */
export async function createProxy(
  server: ProxyServer,
  name: string,
  upstream: string
): Promise<number> {
  const res = await api(server, 'POST', '/proxies', { name, listen: '127.0.0.1:0', upstream })
  if (res.status !== 201) {
    throw new Error(`create proxy: ${res.status} ${res.text}`)
  }
  return Number((res.json as { listen: string }).listen.split(':').pop())
}

export async function addToxic(server: ProxyServer, proxy: string, toxic: object): Promise<void> {
  const res = await api(server, 'POST', `/proxies/${proxy}/toxics`, toxic)
  if (res.status !== 200) {
    throw new Error(`add toxic: ${res.status} ${res.text}`)
  }
}

export interface Client {
  socket: net.Socket
  reads: { at: number; data: Buffer }[]
  received(): number
  /** Resolves once `bytes` have arrived in total. */
  waitFor(bytes: number): Promise<number>
  /** Resolves with the close time and the error code, if any. */
  closed: Promise<{ at: number; error: string | undefined }>
}

export async function connect(port: number): Promise<Client> {
  const socket = net.connect({ port, host: '127.0.0.1', noDelay: true })
  const reads: Client['reads'] = []
  let error: string | undefined
  const waiters: { bytes: number; resolve: (at: number) => void }[] = []
  const received = () => reads.reduce((n, r) => n + r.data.length, 0)
  socket.on('data', (data: Buffer) => {
    reads.push({ at: performance.now(), data })
    const total = received()
    for (const w of [...waiters]) {
      if (total >= w.bytes) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(performance.now())
      }
    }
  })
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message))
  const closed = new Promise<{ at: number; error: string | undefined }>((resolve) =>
    socket.on('close', () => resolve({ at: performance.now(), error }))
  )
  await once(socket, 'connect')
  return {
    socket,
    reads,
    received,
    closed,
    waitFor: (bytes) =>
      received() >= bytes
        ? Promise.resolve(performance.now())
        : new Promise((resolve) => waiters.push({ bytes, resolve })),
  }
}
