import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { prometheusProbe } from '../../../src/probes/prometheus/index.js'
import type { ProbeParamsOf } from '../../../src/probes/contract.js'
import type { ComparatorInput } from '../../../src/experiment/schema-parts.js'
import { freePort } from '../../support/free-port.js'
import { probeBase, probeContext } from '../../support/probe-context.js'
import { startPrometheus } from '../../support/prometheus.js'
import type { PrometheusServer } from '../../support/prometheus.js'

type Params = ProbeParamsOf<'prometheus'>
const probe = (endpoint: string, query: string, comparator: ComparatorInput): Params => ({
  ...probeBase,
  type: 'prometheus',
  endpoint,
  query,
  comparator,
})
const up = (criteria: string, value: ComparatorInput['value']): ComparatorInput => ({
  type: 'float',
  criteria,
  value,
})

describe('prometheus probe against a real Prometheus scraping itself', () => {
  let server: PrometheusServer | undefined
  const url = () => server!.url

  before(async () => {
    server = await startPrometheus()
  })
  after(() => server?.stop())

  it('compares the first sample of an instant vector as a float', async () => {
    const ok = await prometheusProbe.check(
      probe(url(), 'up{job="prometheus"}', up('==', 1)),
      probeContext()
    )
    assert.deepEqual(ok, { passed: true, message: '1 == 1', value: '1' })
    const high = await prometheusProbe.check(probe(url(), 'up', up('>', 5)), probeContext())
    assert.deepEqual(high, { passed: false, message: '1, expected > 5', value: '1' })
    // An int comparator is read as float: sample values are floats.
    const count = await prometheusProbe.check(
      probe(url(), 'count(up)', { type: 'int', criteria: 'oneOf', value: [1, 2] }),
      probeContext()
    )
    assert.equal(count.passed, true, count.message)
    const text = await prometheusProbe.check(
      probe(url(), 'up', { type: 'string', criteria: 'equal', value: '1' }),
      probeContext()
    )
    assert.equal(text.passed, true, text.message)
  })

  it('counts the series when there are several', async () => {
    const result = await prometheusProbe.check(
      probe(url(), 'prometheus_build_info or up', up('>=', 0)),
      probeContext()
    )
    assert.equal(result.passed, true, result.message)
    assert.match(result.message, /\(first of 2 series\)$/)
  })

  it('reads scalar and range-vector results', async () => {
    const scalar = await prometheusProbe.check(
      probe(url(), 'scalar(up) * 0.5', up('between', [0.4, 0.6])),
      probeContext()
    )
    assert.deepEqual(scalar, { passed: true, message: '0.5 between [0.4, 0.6]', value: '0.5' })
    const range = await prometheusProbe.check(probe(url(), 'up[1m]', up('==', 1)), probeContext())
    assert.equal(range.passed, true, range.message)
  })

  it('fails when the query returns no samples', async () => {
    const result = await prometheusProbe.check(
      probe(url(), 'ordeal_no_such_metric', up('==', 0)),
      probeContext()
    )
    assert.deepEqual(result, { passed: false, message: 'query returned no samples' })
  })

  it('reports a bad query with the error Prometheus gives', async () => {
    const result = await prometheusProbe.check(probe(url(), 'up{', up('==', 1)), probeContext())
    assert.equal(result.passed, false)
    assert.match(result.message, /^query failed: bad_data: .*parse error/)
  })

  it('renders templates and tolerates a trailing slash', async () => {
    const result = await prometheusProbe.check(
      probe('http://127.0.0.1:{{prom.port}}/', 'up{job="{{prom.job}}"}', up('==', 1)),
      probeContext({ vars: { prom: { port: server!.port, job: 'prometheus' } } })
    )
    assert.equal(result.passed, true, result.message)
  })

  it('describes itself in one line', () => {
    assert.equal(
      prometheusProbe.describe(probe('http://127.0.0.1:9090', 'up', up('==', 1))),
      'prometheus http://127.0.0.1:9090: up == 1'
    )
  })
})

describe('prometheus probe against endpoints that are not working Prometheus servers', () => {
  let server: http.Server
  let base: string

  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/hang/')) {
        return // never answers
      }
      res.setHeader('content-type', 'text/html')
      res.end('<html>not prometheus</html>')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })

  it('fails, without throwing, on a closed port', async () => {
    const port = await freePort()
    const result = await prometheusProbe.check(
      probe(`http://127.0.0.1:${port}`, 'up', up('==', 1)),
      probeContext()
    )
    assert.equal(result.passed, false)
    assert.match(result.message, /ECONNREFUSED/)
  })

  it('fails on an answer that is not the Prometheus API', async () => {
    const result = await prometheusProbe.check(probe(base, 'up', up('==', 1)), probeContext())
    assert.equal(result.passed, false)
    assert.match(result.message, /^status 200, not a Prometheus API answer: <html>/)
  })

  it('honours timeoutMs against a server that never answers', async () => {
    const started = Date.now()
    const result = await prometheusProbe.check(
      probe(`${base}/hang`, 'up', up('==', 1)),
      probeContext({ timeoutMs: 200 })
    )
    const elapsed = Date.now() - started
    assert.deepEqual(result, { passed: false, message: 'timed out after 200ms' })
    assert.ok(elapsed < 1000, `took ${elapsed}ms`)
  })
})
