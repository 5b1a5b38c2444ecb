/**
 * The metric sources against real servers: a RabbitMQ node (the example's node.sh, with its
 * management and Prometheus plugins) holding N published messages, and a real Prometheus
 * scraping that node's /metrics. The depth read is N both ways; a query of several series is
 * an error naming the count; a source that is down is an error (a gap), not a hang.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import amqp from 'amqplib'
import { Journal } from '../../../src/engine/journal.js'
import type { ServiceSpec } from '../../../src/experiment/model.js'
import { LocalSupervisor } from '../../../src/platforms/local/local-supervisor.js'
import { rabbitmqSource } from '../../../src/metrics/rabbitmq/index.js'
import { prometheusSource } from '../../../src/metrics/prometheus/index.js'
import { startPrometheus, type PrometheusServer } from '../../support/prometheus.js'
import { waitUntil } from '../../support/fault-proc.js'
import { repoRoot } from '../../support/cli.js'

const N = 137
const base = { env: {}, cwd: repoRoot, replicas: 1, restart: 'never' as const }
const backoff = { initialMs: 100, maxMs: 1000 }
const services: ServiceSpec[] = [
  {
    ...base,
    name: 'epmd',
    command: 'epmd',
    args: ['-port', '{{ports.epmd}}', '-address', '127.0.0.1'],
    ports: { epmd: 0 },
    readiness: { kind: 'tcp', target: '127.0.0.1:{{ports.epmd}}', timeoutMs: 5000 },
    backoff,
    gracePeriodMs: 2000,
  },
  {
    ...base,
    name: 'rabbitmq',
    command: 'bash',
    args: [
      path.join(repoRoot, 'examples/order-delivery/rabbitmq/node.sh'),
      ...['--name', 'msrc{{replica}}', '--amqp-port', '{{ports.amqp}}'],
      ...['--dist-port', '{{ports.dist}}', '--epmd-port', '{{services.epmd.ports.epmd}}'],
      ...['--data-dir', '{{dataDir}}', '--management-port', '{{ports.management}}'],
      ...['--prometheus-port', '{{ports.prometheus}}'],
    ],
    ports: { amqp: 0, dist: 0, management: 0, prometheus: 0 },
    readiness: { kind: 'tcp', target: '127.0.0.1:{{ports.management}}', timeoutMs: 120_000 },
    backoff,
    gracePeriodMs: 10_000,
  },
]

let dir: string
let supervisor: LocalSupervisor
let prometheus: PrometheusServer | undefined
const port = (name: string) => supervisor.replicas('rabbitmq')[0]!.ports[name]!

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ordeal-metric-sources-'))
  supervisor = new LocalSupervisor({
    services,
    runDir: path.join(dir, 'run'),
    journal: new Journal(),
    log: () => undefined,
  })
  await supervisor.start()
  const conn = await amqp.connect(`amqp://127.0.0.1:${port('amqp')}`)
  const ch = await conn.createConfirmChannel()
  await ch.assertQueue('orders', { durable: false })
  for (let i = 0; i < N; i++) {
    ch.sendToQueue('orders', Buffer.from(String(i)))
  }
  await ch.waitForConfirms()
  await conn.close()
  prometheus = await startPrometheus({
    extraTargets: [{ job: 'rabbitmq', target: `127.0.0.1:${port('prometheus')}` }],
  })
})

after(async () => {
  await prometheus?.stop()
  await supervisor?.stop()
  await rm(dir, { recursive: true, force: true })
})

const ctx = () => ({ signal: AbortSignal.timeout(5000), vars: {} })

describe('metric sources against a real RabbitMQ and Prometheus', { timeout: 240_000 }, () => {
  test('rabbitmq: the management API reads the depth of N published messages', async () => {
    const params = {
      url: 'http://127.0.0.1:{{services.rabbitmq.ports.management}}',
      queue: 'orders',
    }
    // The broker refreshes queue figures every 5 s: poll until they show the publishes.
    const read = (value?: 'messages' | 'messages_ready' | 'messages_unacknowledged') =>
      rabbitmqSource.read(
        { ...params, ...(value ? { value } : {}) },
        { ...ctx(), vars: supervisor.templateVars() }
      )
    await waitUntil('the depth to show N', async () => (await read().catch(() => 0)) === N, {
      timeoutMs: 30_000,
      intervalMs: 500,
    })
    assert.equal(await read('messages_ready'), N)
    assert.equal(await read('messages_unacknowledged'), 0)
  })

  test('rabbitmq: an unknown queue and wrong credentials are one-line errors', async () => {
    const url = `http://127.0.0.1:${port('management')}`
    await assert.rejects(
      rabbitmqSource.read({ url, queue: 'nope' }, ctx()),
      /no queue 'nope' on vhost '\/' \(status 404\)/
    )
    await assert.rejects(
      rabbitmqSource.read({ url, queue: 'orders', password: 'wrong' }, ctx()),
      /^Error: status 401/
    )
  })

  test('prometheus: a query over the node’s /metrics reads the same depth', async () => {
    const url = prometheus!.url
    const query = 'sum(rabbitmq_queue_messages)'
    await waitUntil(
      'the scraped depth to show N',
      async () => (await prometheusSource.read({ url, query }, ctx()).catch(() => 0)) === N,
      { timeoutMs: 30_000, intervalMs: 500 }
    )
  })

  test('prometheus: several series are an error naming the count', async () => {
    // `up` has one series per scrape job: prometheus itself and the node, once both were
    // scraped (the node's may be in before prometheus's own first scrape).
    await waitUntil(
      'both scrape jobs to report up',
      async () =>
        (await prometheusSource.read({ url: prometheus!.url, query: 'count(up)' }, ctx())) === 2,
      { timeoutMs: 30_000, intervalMs: 200 }
    )
    await assert.rejects(
      prometheusSource.read({ url: prometheus!.url, query: 'up' }, ctx()),
      /the query returned 2 series, not one/
    )
    await assert.rejects(
      prometheusSource.read({ url: prometheus!.url, query: 'sum(' }, ctx()),
      /^Error: query failed: bad_data/
    )
  })

  test('prometheus down: the reading fails with the reason, promptly', async () => {
    const url = prometheus!.url
    await prometheus!.stop()
    prometheus = undefined
    await assert.rejects(prometheusSource.read({ url, query: 'up' }, ctx()), /ECONNREFUSED/)
  })
})
