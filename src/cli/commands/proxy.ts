/**
 * `ordeal proxy`: the Toxiproxy-compatible TCP proxy on its own. Starts the control API,
 * applies `--config` (the same JSON array as POST /populate), logs one line per request and
 * connection event, and runs until SIGINT/SIGTERM. Exit 0 after a clean stop, 2 for bad
 * flags or a bad config file (one line naming it), 3 when the API cannot listen.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { ApiError } from '../../proxy/errors.js'
import { readBody } from '../../proxy/requests.js'
import { randomSeed } from '../../proxy/rng.js'
import { startProxyServer, type ProxyServer } from '../../proxy/server.js'
import { EXIT_USAGE } from '../exit.js'

export interface ProxyCommandOptions {
  host: string
  port: string
  config?: string
  seed?: string
}

export async function proxyCommand(options: ProxyCommandOptions): Promise<number> {
  const port = Number(options.port)
  if (!/^\d+$/.test(options.port) || port > 65535) {
    process.stderr.write(`ordeal proxy: --port '${options.port}' must be a port from 0 to 65535\n`)
    return EXIT_USAGE
  }
  if (options.seed !== undefined && !/^-?\d+$/.test(options.seed)) {
    process.stderr.write(`ordeal proxy: --seed '${options.seed}' must be an integer\n`)
    return EXIT_USAGE
  }
  const seed = options.seed === undefined ? randomSeed() : BigInt(options.seed)
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`)
  let server: ProxyServer
  try {
    server = await startProxyServer({ host: options.host, port, seed, log })
  } catch (error) {
    process.stderr.write(
      `ordeal proxy: cannot listen on ${options.host}:${port}: ${(error as Error).message}\n`
    )
    return 3
  }
  log(`ordeal proxy: API on ${server.url} (Toxiproxy v2), seed ${seed}`)
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  if (options.config !== undefined) {
    const problem = await applyConfig(server, options.config)
    if (problem !== undefined) {
      process.stderr.write(`ordeal proxy: ${options.config}: ${problem}\n`)
      await server.close()
      return EXIT_USAGE
    }
  }
  const signal = await stopped
  log(`ordeal proxy: ${signal}, closing every proxy and connection`)
  await server.close()
  return 0
}

/** The config file is applied like POST /populate; returns the problem, if any. */
async function applyConfig(server: ProxyServer, file: string): Promise<string | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT'
      ? 'no such file'
      : (error as Error).message
  }
  try {
    await server.proxies.populate(readBody(text))
    return undefined
  } catch (error) {
    if (error instanceof ApiError) {
      return error.message
    }
    throw error
  }
}
