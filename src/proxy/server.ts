/**
 * `startProxyServer`: the control API plus its proxies, ready to be driven by any Toxiproxy
 * client. Used by `ordeal proxy`, the tests and the benchmark.
 * @module
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { apiHandler } from './api.js'
import { ProxyCollection } from './collection.js'
import type { ProxyLog } from './proxy.js'
import { seededRandom } from './rng.js'

export interface ProxyServerOptions {
  host: string
  port: number
  seed: bigint
  log?: ProxyLog
}

export interface ProxyServer {
  /** `http://host:port` of the API. */
  readonly url: string
  readonly proxies: ProxyCollection
  close(): Promise<void>
}

export async function startProxyServer(options: ProxyServerOptions): Promise<ProxyServer> {
  const log = options.log ?? (() => undefined)
  const proxies = new ProxyCollection(seededRandom(options.seed), log)
  const handler = apiHandler(proxies, log)
  const http = createServer({ requestTimeout: 25_000 }, (req, res) => void handler(req, res))
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port, options.host, () => resolve())
  })
  const address = http.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    url: `http://${host}:${address.port}`,
    proxies,
    async close() {
      proxies.closeAll()
      await new Promise<void>((resolve) => {
        http.close(() => resolve())
        http.closeAllConnections()
      })
    },
  }
}
