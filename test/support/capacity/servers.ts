/**
 * The capacity tests' servers (token-bucket.mjs, balancer.mjs) as child processes: started on
 * a free port, resolved once they listen, stopped by their own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** token-bucket.mjs */
export const TOKEN_BUCKET_JS = `// A service whose capacity is known by construction: RATE req/s, as RATE/2 admissions in any
// sliding 500 ms (a token bucket refilled as the window slides). A request within it gets 200
// at once; one beyond gets 503 at once, so the error rate past RATE is (offered − RATE) /
// offered. The window absorbs a generator's timer jitter (a smaller burst counts a busy
// machine's late timers as overload) and forgets the previous trial within the warm-up.
// MODE=degrade instead serves one request at a time, 1/RATE s each (an M/D/1 queue): past
// RATE the queue, and so latency, grows without bound; below it latency stays near 1/RATE.
import http from 'node:http'

const rate = Number(process.env.RATE)
const mode = process.env.MODE ?? 'bucket'
const kWindowMs = 500
// Admission times of the last window, oldest first (a ring of at most RATE/2 entries).
const admitted = new Float64Array(Math.max(1, Math.floor((rate * kWindowMs) / 1000)))
let head = 0
let count = 0
let freeAt = 0

function take() {
  const now = performance.now()
  while (count > 0 && admitted[head] <= now - kWindowMs) {
    head = (head + 1) % admitted.length
    count--
  }
  if (count >= admitted.length) {
    return false
  }
  admitted[(head + count) % admitted.length] = now
  count++
  return true
}

const server = http.createServer((req, res) => {
  req.resume()
  req.on('end', () => {
    if (mode === 'degrade') {
      const now = performance.now()
      freeAt = Math.max(now, freeAt) + 1000 / rate
      setTimeout(() => res.end('ok'), freeAt - now)
      return
    }
    if (take()) {
      res.end('ok')
    } else {
      res.statusCode = 503
      res.end('over capacity')
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(\`listening \${server.address().port}\\n\`)
})
`

/** balancer.mjs */
export const BALANCER_JS = `// A small least-busy balancer: each request goes to the live backend with the fewest requests
// in flight; a backend that refuses a connection is skipped for a second (and the request
// retried on another), so killing one of two replicas halves the capacity behind it.
import http from 'node:http'

const backends = process.env.BACKENDS.split(',').map((port) => ({
  port: Number(port),
  inFlight: 0,
  downUntil: 0,
}))
const agent = new http.Agent({ keepAlive: true, maxSockets: 512 })

let next = 0
// The least busy live backend; ties (the usual case with instant answers) taken in turn.
function pick(exclude) {
  const now = Date.now()
  let best
  for (let i = 0; i < backends.length; i++) {
    const b = backends[(next + i) % backends.length]
    if (
      b.downUntil <= now &&
      !exclude.has(b) &&
      (best === undefined || b.inFlight < best.inFlight)
    ) {
      best = b
    }
  }
  next = (next + 1) % backends.length
  return best
}

function forward(req, res, body, tried) {
  const backend = pick(tried)
  if (!backend) {
    res.statusCode = 502
    res.end('no live backend')
    return
  }
  backend.inFlight++
  const upstream = http.request(
    { port: backend.port, host: '127.0.0.1', method: req.method, path: req.url, agent },
    (answer) => {
      res.statusCode = answer.statusCode
      answer.pipe(res)
      answer.on('end', () => backend.inFlight--)
    }
  )
  upstream.on('error', () => {
    backend.inFlight--
    backend.downUntil = Date.now() + 1000
    tried.add(backend)
    if (!res.headersSent) forward(req, res, body, tried)
  })
  upstream.end(body)
}

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => forward(req, res, Buffer.concat(chunks), new Set()))
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(\`listening \${server.address().port}\\n\`)
})
`

/** Writes token-bucket.mjs and balancer.mjs into `dir` (a manifest's services run them). */
export function writeServers(dir: string): void {
  writeFileSync(path.join(dir, 'token-bucket.mjs'), TOKEN_BUCKET_JS)
  writeFileSync(path.join(dir, 'balancer.mjs'), BALANCER_JS)
}

let scriptsDir: string | undefined

export interface TestServer {
  port: number
  child: ChildProcess
  stop(): Promise<void>
}

export function startServer(script: string, env: Record<string, string>): Promise<TestServer> {
  if (scriptsDir === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-capacity-'))
    scriptsDir = dir
    // One dir per test process, shared by its servers: gone with the process, none left behind.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    writeServers(dir)
  }
  const child = spawn(process.execPath, [path.join(scriptsDir, script)], {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening (\d+)/.exec(out)
      if (match) {
        resolve({
          port: Number(match[1]),
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) {
                done()
                return
              }
              child.once('exit', () => done())
              child.kill('SIGTERM')
            }),
        })
      }
    })
  })
}
