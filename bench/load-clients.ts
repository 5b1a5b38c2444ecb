/**
 * Benchmark: which HTTP client the load generator stands on. node:http (keep-alive Agent, what
 * the generator used before), undici's Pool (if installed: `npm install --no-save undici@6`)
 * and ordeal's own HTTP/1.1 client, each in a closed loop of 64 connections against a Node
 * `http` hello server pinned to core 0, this process pinned to core 1 (run it under
 * `taskset -c 1`). The figure to compare is CPU time per request (process.cpuUsage): it does
 * not depend on how busy the server's core is, which on a shared machine req/s does.
 *
 * Run: taskset -c 1 node --import tsx bench/load-clients.ts [seconds=5] [rounds=2]
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import http from 'node:http'
import { Http1Client } from '../src/load/http1/client.js'
import { RequestEncoder } from '../src/load/http1/request-bytes.js'
import { compileTemplate } from '../src/load/template.js'

const seconds = Number(process.argv[2] ?? 5)
const rounds = Number(process.argv[3] ?? 2)
const kConnections = 64

const kServer = `
const http = require('node:http')
const server = http.createServer((req, res) => res.end('hello world'))
server.keepAliveTimeout = 120000
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`

/** One request: calls back once answered (any outcome). */
type Send = (done: () => void) => void

interface Client {
  name: string
  make(url: string): Promise<{ send: Send; close(): void }>
}

const clients: Client[] = [
  {
    name: 'node:http',
    async make(url) {
      const agent = new http.Agent({
        keepAlive: true,
        maxSockets: kConnections,
        maxFreeSockets: kConnections,
        scheduling: 'lifo',
      })
      const { hostname, port } = new URL(url)
      return {
        send(done) {
          const req = http.request({ agent, hostname, port, path: '/', method: 'GET' }, (res) => {
            res.resume()
            res.on('end', done)
          })
          req.on('error', done)
          req.end()
        },
        close: () => agent.destroy(),
      }
    },
  },
  {
    name: 'undici Pool',
    async make(url) {
      const undici = (await import('undici' as string)) as {
        Pool: new (
          url: string,
          o: object
        ) => {
          request(o: object): Promise<{ body: { dump(): Promise<void> } }>
          close(): Promise<void>
        }
      }
      const pool = new undici.Pool(new URL(url).origin, { connections: kConnections })
      return {
        send(done) {
          pool
            .request({ path: '/', method: 'GET' })
            .then((r) => r.body.dump().then(done, done), done)
        },
        close: () => void pool.close(),
      }
    },
  },
  {
    name: 'ordeal http1',
    async make(url) {
      const client = new Http1Client({
        connections: kConnections,
        timeoutMs: 10_000,
        keepBodies: false,
      })
      const request = new RequestEncoder({
        url: compileTemplate(url),
        method: 'GET',
        headers: [],
      }).encode({ seq: 0, uuid: '', now: '' })
      return { send: (done) => client.send(request, () => done()), close: () => client.close() }
    },
  },
]

interface Result {
  rps: number
  cpuUsPerRequest: number
}

async function closedLoop(client: Client, url: string): Promise<Result | undefined> {
  let made
  try {
    made = await client.make(url)
  } catch {
    return undefined // undici not installed
  }
  const { send, close } = made
  let count = 0
  let running = true
  const cpu = process.cpuUsage()
  const start = performance.now()
  await new Promise<void>((resolve) => {
    let live = kConnections
    const loop = () => {
      count++
      if (running) {
        send(loop)
      } else if (--live === 0) {
        resolve()
      }
    }
    for (let i = 0; i < kConnections; i++) {
      send(loop)
    }
    setTimeout(() => (running = false), seconds * 1000)
  })
  const elapsed = (performance.now() - start) / 1000
  const used = process.cpuUsage(cpu)
  close()
  return { rps: count / elapsed, cpuUsPerRequest: (used.user + used.system) / count }
}

const server = spawn('taskset', ['-c', '0', process.execPath, '-e', kServer], {
  stdio: ['ignore', 'pipe', 'inherit'],
})
const [line] = (await once(server.stdout, 'data')) as [Buffer]
const url = `http://127.0.0.1:${line.toString().trim()}/`
const results = new Map<string, Result[]>()
try {
  for (let round = 0; round < rounds; round++) {
    for (const client of clients) {
      const r = await closedLoop(client, url)
      if (r) {
        results.set(client.name, [...(results.get(client.name) ?? []), r])
      }
    }
  }
} finally {
  server.kill()
}
const ours = Math.min(...(results.get('ordeal http1') ?? []).map((r) => r.cpuUsPerRequest))
for (const [name, rs] of results) {
  const cpu = Math.min(...rs.map((r) => r.cpuUsPerRequest))
  const rps = Math.max(...rs.map((r) => r.rps))
  process.stdout.write(
    `${name.padEnd(14)} ${Math.round(rps)} req/s  ${cpu.toFixed(1)} µs CPU/request  ` +
      `${(cpu / ours).toFixed(2)}× ordeal's\n`
  )
}
