import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { httpProbe, MAX_BODY_BYTES } from '../../../src/probes/http/index.js'
import type { ProbeParamsOf } from '../../../src/probes/contract.js'
import { freePort } from '../../support/free-port.js'
import { probeBase, probeContext } from '../../support/probe-context.js'

type Params = ProbeParamsOf<'http'>
const params = (p: Omit<Params, 'name' | 'mode' | 'type'>): Params => ({
  ...probeBase,
  type: 'http',
  ...p,
})

describe('http probe against a real HTTP server', () => {
  let server: http.Server
  let base: string
  let port: number

  before(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      const status = /^\/status\/(\d{3})$/.exec(url.pathname)
      if (status) {
        res.writeHead(Number(status[1])).end(`status ${status[1]}`)
      } else if (url.pathname === '/ok') {
        res.end('all good, ready=true')
      } else if (url.pathname === '/json') {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ status: 'up', count: 5, ratio: 0.25, items: [{ name: 'a' }] }))
      } else if (url.pathname === '/echo') {
        let body = ''
        req.on('data', (chunk: Buffer) => (body += chunk.toString()))
        req.on('end', () => {
          res.setHeader('content-type', 'application/json')
          res.end(
            JSON.stringify({ method: req.method, token: req.headers['x-token'] ?? null, body })
          )
        })
      } else if (url.pathname === '/big') {
        // 3 MiB with the needle past the first MiB: the probe must not read that far.
        res.write(Buffer.alloc(3 * MAX_BODY_BYTES, 'a'))
        res.end('needle')
      } else if (url.pathname === '/slow-body') {
        res.writeHead(200)
        res.write('partial ')
      } else if (url.pathname === '/hang') {
        // Never answers.
      } else {
        res.writeHead(404).end('not found')
      }
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
    base = `http://127.0.0.1:${port}`
  })

  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('expects 2xx when no expectation is given', async () => {
    const ok = await httpProbe.check(params({ url: `${base}/ok` }), probeContext())
    assert.deepEqual(ok, { passed: true, message: 'status 200', value: 200 })
    const down = await httpProbe.check(params({ url: `${base}/status/503` }), probeContext())
    assert.deepEqual(down, { passed: false, message: 'status 503, expected 2xx', value: 503 })
  })

  it('checks a status code, class, range or comparator', async () => {
    const cases: [string, NonNullable<Params['expect']>['status'], boolean][] = [
      ['/status/201', 201, true],
      ['/status/200', 201, false],
      ['/missing', '4xx', true],
      ['/ok', '4xx', false],
      ['/status/204', '200-299', true],
      ['/status/302', '200-299', false],
      ['/missing', '404', true],
      ['/status/503', { type: 'int', criteria: 'oneOf', value: [500, 503] }, true],
      ['/status/200', { type: 'int', criteria: '>=', value: 400 }, false],
    ]
    for (const [path, status, passed] of cases) {
      const result = await httpProbe.check(
        params({ url: `${base}${path}`, expect: { status } }),
        probeContext()
      )
      assert.equal(result.passed, passed, `${path} ${JSON.stringify(status)}: ${result.message}`)
    }
    const failed = await httpProbe.check(
      params({
        url: `${base}/status/200`,
        expect: { status: { type: 'int', criteria: '>=', value: 400 } },
      }),
      probeContext()
    )
    assert.equal(failed.message, 'status 200, expected >= 400')
  })

  it('checks the body text and a regular expression', async () => {
    const url = `${base}/ok`
    const contains = await httpProbe.check(
      params({ url, expect: { bodyContains: 'ready=true' } }),
      probeContext()
    )
    assert.equal(contains.passed, true)
    assert.equal(contains.message, 'status 200; body contains "ready=true"')
    const missing = await httpProbe.check(
      params({ url, expect: { bodyContains: 'ready=false' } }),
      probeContext()
    )
    assert.equal(missing.passed, false)
    assert.equal(missing.message, 'status 200; body does not contain "ready=false"')
    const matches = await httpProbe.check(
      params({ url, expect: { bodyMatches: 'ready=(true|yes)' } }),
      probeContext()
    )
    assert.equal(matches.passed, true)
    const noMatch = await httpProbe.check(
      params({ url, expect: { bodyMatches: '^ready' } }),
      probeContext()
    )
    assert.equal(noMatch.passed, false)
    assert.match(noMatch.message, /body does not match \/\^ready\//)
    const invalid = await httpProbe.check(
      params({ url, expect: { bodyMatches: '([' } }),
      probeContext()
    )
    assert.equal(invalid.passed, false)
    assert.match(invalid.message, /invalid bodyMatches/)
  })

  it('still requires 2xx when only the body is checked', async () => {
    const result = await httpProbe.check(
      params({ url: `${base}/status/500`, expect: { bodyContains: 'status' } }),
      probeContext()
    )
    assert.equal(result.passed, false)
    assert.equal(result.message, 'status 500, expected 2xx')
  })

  it('compares the first JSONPath match', async () => {
    const url = `${base}/json`
    const count = await httpProbe.check(
      params({
        url,
        expect: {
          jsonPath: { path: '$.count', comparator: { type: 'int', criteria: '>=', value: 3 } },
        },
      }),
      probeContext()
    )
    assert.deepEqual(count, { passed: true, message: 'status 200; $.count 5 >= 3', value: 5 })
    const tooFew = await httpProbe.check(
      params({
        url,
        expect: {
          jsonPath: { path: '$.count', comparator: { type: 'int', criteria: '>', value: 9 } },
        },
      }),
      probeContext()
    )
    assert.deepEqual(tooFew, {
      passed: false,
      message: 'status 200; $.count 5, expected > 9',
      value: 5,
    })
    const name = await httpProbe.check(
      params({
        url,
        expect: {
          jsonPath: {
            path: '$.items[0].name',
            comparator: { type: 'string', criteria: 'Equal', value: 'a' },
          },
        },
      }),
      probeContext()
    )
    assert.equal(name.passed, true)
    const ratio = await httpProbe.check(
      params({
        url,
        expect: {
          jsonPath: {
            path: '$.ratio',
            comparator: { type: 'float', criteria: 'between', value: [0, 0.5] },
          },
        },
      }),
      probeContext()
    )
    assert.equal(ratio.passed, true)
    const nothing = await httpProbe.check(
      params({
        url,
        expect: {
          jsonPath: { path: '$.nope', comparator: { type: 'int', criteria: '==', value: 1 } },
        },
      }),
      probeContext()
    )
    assert.equal(nothing.passed, false)
    assert.match(nothing.message, /\$\.nope matched nothing/)
  })

  it('fails, without throwing, when the body is not JSON', async () => {
    const result = await httpProbe.check(
      params({
        url: `${base}/ok`,
        expect: {
          jsonPath: { path: '$.a', comparator: { type: 'int', criteria: '==', value: 1 } },
        },
      }),
      probeContext()
    )
    assert.equal(result.passed, false)
    assert.match(result.message, /body is not JSON/)
  })

  it('renders templates in the URL, headers and body', async () => {
    const vars = { services: { api: { ports: { http: port } } }, token: 's3cret', order: 42 }
    const result = await httpProbe.check(
      params({
        url: 'http://127.0.0.1:{{services.api.ports.http}}/echo',
        method: 'POST',
        headers: { 'x-token': '{{ token }}' },
        body: '{"order": {{order}}}',
        expect: { bodyContains: '"token":"s3cret"' },
      }),
      probeContext({ vars })
    )
    assert.equal(result.passed, true, result.message)
    const echoed = await httpProbe.check(
      params({
        url: 'http://127.0.0.1:{{services.api.ports.http}}/echo',
        method: 'PUT',
        body: '{"order": {{order}}}',
        expect: {
          jsonPath: {
            path: '$.body',
            comparator: { type: 'string', criteria: 'equal', value: '{"order": 42}' },
          },
        },
      }),
      probeContext({ vars })
    )
    assert.equal(echoed.passed, true, echoed.message)
    const unknown = await httpProbe.check(
      params({ url: 'http://127.0.0.1:{{services.nope.port}}/' }),
      probeContext({ vars })
    )
    assert.equal(unknown.passed, false)
    assert.match(unknown.message, /unknown template variable \{\{services\.nope\.port\}\}/)
  })

  it('sends HEAD requests', async () => {
    const result = await httpProbe.check(
      params({ url: `${base}/ok`, method: 'HEAD' }),
      probeContext()
    )
    assert.equal(result.passed, true)
  })

  it('reports a refused connection as a failed outcome', async () => {
    const closed = await freePort()
    const result = await httpProbe.check(
      params({ url: `http://127.0.0.1:${closed}/` }),
      probeContext()
    )
    assert.equal(result.passed, false)
    assert.match(result.message, /ECONNREFUSED/)
    // fetch refuses port 1 outright ("bad port"): still an outcome, not a throw.
    const portOne = await httpProbe.check(params({ url: 'http://127.0.0.1:1/' }), probeContext())
    assert.equal(portOne.passed, false)
  })

  it('reports an invalid URL as a failed outcome', async () => {
    const result = await httpProbe.check(params({ url: 'not a url' }), probeContext())
    assert.equal(result.passed, false)
  })

  it('honours timeoutMs against a server that never answers', async () => {
    const started = Date.now()
    const result = await httpProbe.check(
      params({ url: `${base}/hang` }),
      probeContext({ timeoutMs: 200 })
    )
    const elapsed = Date.now() - started
    assert.deepEqual(result, { passed: false, message: 'timed out after 200ms' })
    assert.ok(elapsed >= 150 && elapsed < 1000, `took ${elapsed}ms`)
  })

  it('honours timeoutMs while the body is still streaming', async () => {
    const started = Date.now()
    const result = await httpProbe.check(
      params({ url: `${base}/slow-body`, expect: { bodyContains: 'done' } }),
      probeContext({ timeoutMs: 200 })
    )
    assert.equal(result.passed, false)
    assert.equal(result.message, 'status 200; reading body: timed out after 200ms')
    assert.ok(Date.now() - started < 1000)
  })

  it('gives up at once when the engine aborts the attempt', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const started = Date.now()
    const result = await httpProbe.check(
      params({ url: `${base}/hang` }),
      probeContext({ signal: controller.signal, timeoutMs: 10_000 })
    )
    assert.deepEqual(result, { passed: false, message: 'aborted' })
    assert.ok(Date.now() - started < 1000)
  })

  it('reads at most 1 MiB of body', async () => {
    const result = await httpProbe.check(
      params({ url: `${base}/big`, expect: { bodyContains: 'needle' } }),
      probeContext()
    )
    assert.equal(result.passed, false)
    assert.match(result.message, /body does not contain "needle"/)
    const json = await httpProbe.check(
      params({
        url: `${base}/big`,
        expect: { jsonPath: { path: '$', comparator: { type: 'int', criteria: '==', value: 1 } } },
      }),
      probeContext()
    )
    assert.match(json.message, /body is not JSON \(body cut at 1048576 bytes\)/)
  })

  it('describes itself in one line', () => {
    assert.equal(
      httpProbe.describe(
        params({
          url: 'http://127.0.0.1:8080/health',
          expect: {
            bodyContains: 'ok',
            jsonPath: { path: '$.n', comparator: { type: 'int', criteria: '>=', value: 1 } },
          },
        })
      ),
      'GET http://127.0.0.1:8080/health expect status 2xx, body contains "ok", $.n >= 1'
    )
  })
})
