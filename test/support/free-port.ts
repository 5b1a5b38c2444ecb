/**
 * A TCP port free on 127.0.0.1 right now: the kernel picks it, we release it and hand it to a
 * server that binds it a moment later (a tiny race that is fine for tests).
 * @module
 */
import net from 'node:net'

export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') {
    throw new Error('could not read the port the kernel picked')
  }
  return address.port
}
