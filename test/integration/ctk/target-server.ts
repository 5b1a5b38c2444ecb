/**
 * The system the CTK corpus experiments act on: one HTTP server on 127.0.0.1 whose state is
 * kept per run under `/r/<run>/`, so `chaos run` and `ordeal run` of the same experiment (run
 * side by side) each get their own, and every request is recorded per run: the test compares
 * what each tool did to the system, observed here, independently of both tools' journals.
 * @module
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import path from 'node:path'
import type { AddressInfo } from 'node:net'

interface RunState {
  broken: boolean
  slow: boolean
  pokes: number
  pending: number
  calls: string[]
}

export interface TargetServer {
  port: number
  base(run: string): string
  /** The same routes over HTTPS with a self-signed certificate (for verify_tls). */
  tlsBase(run: string): string
  calls(run: string): string[]
  close(): Promise<void>
}

export const TOKEN = 'tok-ctk-123'

export async function startTargetServer(certDir: string): Promise<TargetServer> {
  const runs = new Map<string, RunState>()
  const state = (run: string): RunState => {
    let s = runs.get(run)
    if (!s) {
      s = { broken: false, slow: false, pokes: 0, pending: 0, calls: [] }
      runs.set(run, s)
    }
    return s
  }
  const timers = new Set<NodeJS.Timeout>()
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
  }
  const handler: http.RequestListener = (req, res) => {
    const match = /^\/r\/([^/]+)(\/[^?]*)/.exec(req.url ?? '')
    if (!match) {
      res.writeHead(404).end()
      return
    }
    const s = state(match[1]!)
    const route = match[2]!
    s.calls.push(`${req.method} ${route}`)
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
    }
    const text = (status: number, body: string): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body)
    }
    const chunks: Buffer[] = []
    req.on('data', (b: Buffer) => chunks.push(b))
    req.on('end', () => {
      if (route === '/args') {
        // How the arguments were encoded, byte for byte: the two tools must agree.
        const query = (req.url ?? '').split('?')[1] ?? ''
        s.calls.push(
          `ARGS ${req.method} ?${query} ${req.headers['content-type'] ?? '-'} ${Buffer.concat(chunks).toString()}`
        )
        json(200, { ok: true })
        return
      }
      const status = /^\/status\/(\d{3})$/.exec(route)
      if (status) {
        text(Number(status[1]), `status ${status[1]}`)
        return
      }
      switch (`${req.method} ${route}`) {
        case 'GET /health':
          if (s.slow) {
            // Far past any probe timeout of the corpus (1.5 s at most), even on a loaded machine.
            later(5000, () => text(200, 'late'))
          } else {
            text(s.broken ? 500 : 200, s.broken ? 'broken' : 'healthy')
          }
          return
        case 'GET /slow':
          later(2000, () => text(200, 'slow'))
          return
        case 'GET /json':
          json(200, {
            depth: 0,
            healthy: !s.broken,
            items: [
              { n: 'a', ok: true },
              { n: 'b', ok: false },
            ],
          })
          return
        case 'GET /text':
          text(200, 'service version=1.42 build 7')
          return
        case 'GET /secure':
          text(req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, 'secure')
          return
        case 'GET /bg-pending':
          json(200, { pending: s.pending })
          return
        case 'POST /bg':
          // Lands 400 ms later: a hypothesis after that sees it pending ran before it was awaited.
          s.pending++
          later(400, () => {
            s.pending--
            json(200, { landed: true })
          })
          return
        case 'POST /poke':
          s.pokes++
          json(200, { pokes: s.pokes })
          return
        case 'POST /unpoke':
          s.pokes = 0
          json(200, { pokes: 0 })
          return
        case 'POST /break':
          s.broken = true
          text(200, 'broken')
          return
        case 'POST /slowdown':
          s.slow = true
          text(200, 'slowed')
          return
        case 'POST /fix':
          s.broken = false
          s.slow = false
          text(200, 'fixed')
          return
        case 'POST /echo':
          text(req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, 'echo')
          return
        default:
          text(404, 'no such route')
      }
    })
  }
  const server = http.createServer(handler)
  const key = path.join(certDir, 'key.pem')
  const cert = path.join(certDir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'ignore' }
  )
  const tls = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const tlsPort = (tls.address() as AddressInfo).port
  return {
    port,
    base: (run) => `http://127.0.0.1:${port}/r/${run}`,
    tlsBase: (run) => `https://127.0.0.1:${tlsPort}/r/${run}`,
    calls: (run) => [...state(run).calls],
    close: async () => {
      for (const t of timers) {
        clearTimeout(t)
      }
      for (const srv of [server, tls]) {
        srv.closeAllConnections()
        await new Promise<void>((resolve) => srv.close(() => resolve()))
      }
    },
  }
}
