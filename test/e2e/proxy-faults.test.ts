/**
 * Proxy faults through the built CLI: the run starts `spec.system.proxies` before the services,
 * services and probes reach them at `{{proxies.NAME.port}}`, faults act on them for their
 * duration only, and nothing is left in the ledger after the run.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ledgerFiles, pendingEntries } from '../../src/safety/ledger.js'
import { workspace, type Workspace } from '../support/cli.js'
import path from 'node:path'

const server = `import http from 'node:http'
http.createServer((req, res) => res.end('ok ' + req.url)).listen(Number(process.env.PORT), '127.0.0.1')
`

function manifest(name: string, steps: string, proxies = defaultProxies): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: the api keeps answering through its proxies
  system:
    proxies:
${proxies}
    services:
      - name: api
        command: node
        args: [server.mjs]
        env: { PORT: '{{ports.http}}', VIA: '{{proxies.api-tcp.port}}' }
        ports: { http: 0 }
        readiness: { tcp: '{{ports.http}}', timeout: 10s }
  steps:
${steps}`
}

const defaultProxies = `      - { name: api-tcp, upstream: '127.0.0.1:{{services.api.ports.http}}' }
      - { name: api-http, kind: http, upstream: '127.0.0.1:{{services.api.ports.http}}' }`

const via = (proxy: string, urlPath = '/') => `http://127.0.0.1:{{proxies.${proxy}.port}}${urlPath}`

let ws: Workspace
before(() => {
  ws = workspace()
  ws.write('server.mjs', server)
})
after(() => ws.cleanup())

function assertLedgerClean() {
  const pending = ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries)
  assert.deepEqual(pending, [], 'nothing left to undo')
}

describe('ordeal run with proxy faults', () => {
  test('a latency toxic shows in probe time during the fault and not after', async () => {
    const r = await ws.runManifest(
      'latency',
      manifest(
        'latency',
        `    - name: slow-db
      fault:
        type: proxy-toxic
        proxy: api-tcp
        toxic: { type: latency, attributes: { latency: 600, jitter: 0 }, stream: downstream }
        duration: 2s
      probes:
        - name: fast-during
          type: http
          mode: OnChaos
          url: '${via('api-tcp')}'
          runProperties: { timeout: 300ms, pollingInterval: 200ms }
        - name: fast-after
          type: http
          mode: EOT
          url: '${via('api-tcp')}'
          runProperties: { timeout: 300ms }
`
      )
    )
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    const verdicts = Object.fromEntries(r.result!.probes.map((p) => [p.name, p.verdict]))
    assert.deepEqual(verdicts, { 'fast-during': 'Failed', 'fast-after': 'Passed' })
    assert.ok(r.result!.faults[0]!.revertedAt, 'the toxic was removed')
    assertLedgerClean()
  })

  test('proxy-down makes a tcp probe fail during the fault only', async () => {
    const r = await ws.runManifest(
      'down',
      manifest(
        'down',
        `    - name: db-gone
      fault: { type: proxy-down, proxy: api-tcp, after: 300ms, duration: 1500ms }
      probes:
        - { name: open-before, type: tcp, mode: SOT, port: '{{proxies.api-tcp.port}}' }
        - name: open-during
          type: tcp
          mode: OnChaos
          port: '{{proxies.api-tcp.port}}'
          runProperties: { pollingInterval: 200ms }
        - { name: open-after, type: tcp, mode: EOT, port: '{{proxies.api-tcp.port}}' }
`
      )
    )
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    const verdicts = Object.fromEntries(r.result!.probes.map((p) => [p.name, p.verdict]))
    assert.deepEqual(verdicts, {
      'open-before': 'Passed',
      'open-during': 'Failed',
      'open-after': 'Passed',
    })
    assertLedgerClean()
  })

  test('http-fault answers matching requests with the status and forwards the rest', async () => {
    const r = await ws.runManifest(
      'http',
      manifest(
        'http',
        `    - name: orders-fail
      fault:
        type: http-fault
        proxy: api-http
        match: { method: GET, path: /orders }
        percent: 100
        action: { status: 503, body: injected }
        duration: 2s
      probes:
        - name: orders-503
          type: http
          mode: OnChaos
          url: '${via('api-http', '/orders/7')}'
          expect: { status: 503, bodyContains: injected }
          runProperties: { pollingInterval: 300ms }
        - name: users-ok
          type: http
          mode: OnChaos
          url: '${via('api-http', '/users')}'
          expect: { status: 200, bodyContains: ok /users }
          runProperties: { pollingInterval: 300ms }
        - name: orders-ok-after
          type: http
          mode: EOT
          url: '${via('api-http', '/orders/7')}'
          expect: { status: 200 }
`
      )
    )
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.ok(r.result!.probes.every((p) => p.verdict === 'Passed'))
    assert.equal(r.result!.resilienceScore, 100)
    assertLedgerClean()
  })

  test('unknown proxy names are manifest errors with a did-you-mean', async () => {
    const r = await ws.runManifest(
      'typo',
      manifest(
        'typo',
        `    - fault: { type: proxy-down, proxy: api-tpc, duration: 1s }
    - fault: { type: http-fault, proxy: api-tcp, action: { reset: true }, duration: 1s }
`
      )
    )
    assert.equal(r.exitCode, 2, r.stdout + r.stderr)
    assert.match(
      r.stderr,
      /no proxy named 'api-tpc' in spec\.system\.proxies \(did you mean 'api-tcp'\?\)/
    )
    assert.match(r.stderr, /http-fault needs a proxy of kind http; 'api-tcp' is tcp/)
  })

  test('a service naming an unknown proxy is a manifest error', async () => {
    const r = await ws.runManifest(
      'typo-service',
      manifest(
        'typo-service',
        `    - wait: 100ms
`,
        `      - { name: api-tcpx, upstream: '127.0.0.1:{{services.api.ports.http}}' }`
      )
    )
    assert.equal(r.exitCode, 2, r.stdout + r.stderr)
    assert.match(r.stderr, /no proxy named 'api-tcp'.*did you mean 'api-tcpx'/)
  })
})
