/**
 * `ordeal run` (the built CLI) of a real broker scenario: a feeder publishes to a RabbitMQ node
 * started by ordeal, a consumer drains it; pausing the consumer grows the queue (the seed's
 * "accumulation of messages"), which drains after the fault. The `backlog` and `recovery`
 * checks judge it from `spec.metrics` series read from the management API and from a
 * Prometheus scraping the node; freezing that Prometheus mid-run (its readings time out) leaves
 * a gap of `metric.failed` events, not a crashed run. A second run ends on the fault step, with
 * no `wait:` after it: sampling goes on until the checks' windows are covered, and they pass.
 * Build first: npm run build.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { workspace, repoRoot, type ManifestRun, type Workspace } from '../support/cli.js'
import { assertAllGone, launchedPids } from '../support/processes.js'
import { deriveResult } from '../../src/engine/result.js'

// CommonJS, so NODE_PATH finds amqplib in the repo's node_modules from the workspace.
const mq = `const amqp = require('amqplib')
const role = process.argv[2]
const url = process.env.AMQP_URL
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
async function connect() {
  for (;;) {
    try { return await amqp.connect(url) } catch { await sleep(200) }
  }
}
async function main() {
  const conn = await connect()
  conn.on('error', () => process.exit(1))
  conn.on('close', () => process.exit(1))
  const ch = await conn.createChannel()
  await ch.assertQueue('orders', { durable: false })
  if (role === 'feed') {
    // 40 messages/s, steadily.
    for (let n = 0; ; n++) { ch.sendToQueue('orders', Buffer.from(String(n))); await sleep(25) }
  }
  // One message at a time, 4 ms each: at most 250/s, so a backlog drains at ~200/s net.
  await ch.prefetch(20)
  const pending = []
  let busy = false
  await ch.consume('orders', (m) => { pending.push(m); pump() })
  async function pump() {
    if (busy) return
    busy = true
    while (pending.length) { const m = pending.shift(); await sleep(4); ch.ack(m) }
    busy = false
  }
}
main().catch((e) => { console.error(e); process.exit(1) })
`

const nodeSh = path.join(repoRoot, 'examples/order-delivery/rabbitmq/node.sh')

const manifest = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: backlog-e2e }
spec:
  hypothesis: the orders backlog drains and the dump rate recovers after the consumer stalls
  deadline: 4m
  system:
    services:
      - name: epmd
        command: epmd
        args: [-port, '{{ports.epmd}}', -address, 127.0.0.1]
        ports: { epmd: 0 }
        readiness: { tcp: '127.0.0.1:{{ports.epmd}}', timeout: 5s }
      - name: rabbitmq
        command: bash
        args: [${nodeSh}, --name, 'met{{replica}}', --amqp-port, '{{ports.amqp}}', --dist-port, '{{ports.dist}}',
               --epmd-port, '{{services.epmd.ports.epmd}}', --data-dir, '{{dataDir}}',
               --management-port, '{{ports.management}}', --prometheus-port, '{{ports.prometheus}}']
        ports: { amqp: 0, dist: 0, management: 0, prometheus: 0 }
        readiness: { tcp: '127.0.0.1:{{ports.management}}', timeout: 120s }
        gracePeriod: 10s
      - name: prometheus
        command: bash
        args:
          - -c
          - |
            printf 'global: { scrape_interval: 1s }\\nscrape_configs:\\n  - job_name: rabbitmq\\n    static_configs: [{ targets: ["127.0.0.1:{{services.rabbitmq.ports.prometheus}}"] }]\\n' > '{{dataDir}}/prometheus.yml'
            exec prometheus --config.file='{{dataDir}}/prometheus.yml' --storage.tsdb.path='{{dataDir}}/data' --web.listen-address=127.0.0.1:{{ports.http}}
        ports: { http: 0 }
        readiness: { tcp: '127.0.0.1:{{ports.http}}', timeout: 30s }
        backoff: { initial: 100ms, max: 500ms }
      - name: feeder
        command: node
        args: [mq.cjs, feed]
        env: { AMQP_URL: 'amqp://127.0.0.1:{{services.rabbitmq.ports.amqp}}', NODE_PATH: '${path.join(repoRoot, 'node_modules')}' }
      - name: consumer
        command: node
        args: [mq.cjs, consume]
        env: { AMQP_URL: 'amqp://127.0.0.1:{{services.rabbitmq.ports.amqp}}', NODE_PATH: '${path.join(repoRoot, 'node_modules')}' }
  metrics:
    - name: queue-depth
      rabbitmq: { url: 'http://127.0.0.1:{{services.rabbitmq.replicas[0].ports.management}}', queue: orders }
    - name: dump-rate
      rabbitmq: { url: 'http://127.0.0.1:{{services.rabbitmq.ports.management}}', queue: orders, value: ack_rate }
    - name: prom-depth
      prometheus: { url: 'http://127.0.0.1:{{services.prometheus.ports.http}}', query: 'sum(rabbitmq_queue_messages)' }
  steps:
    - name: baseline
      wait: 15s
    - name: stop-consumer
      fault: { type: process-pause, target: { service: consumer }, duration: 10s }
    - name: prom-down
      fault: { type: process-pause, target: { service: prometheus }, duration: 4s }
    - name: drain
      wait: 20s
  checks:
    - { name: backlog-drains, type: backlog, metric: queue-depth, below: 100, within: 20s, fault: stop-consumer }
    - { name: backlog-at-once, type: backlog, metric: queue-depth, below: 100, within: 1ms, fault: stop-consumer }
    - { name: dump-rate-recovers, type: recovery, metric: dump-rate, atLeast: 50%, within: 20s, baseline: 8s, fault: stop-consumer }
    - { name: dump-rate-tenfold, type: recovery, metric: dump-rate, atLeast: 100000%, within: 20s, baseline: 8s, fault: stop-consumer }
`

let ws: Workspace
let r: ManifestRun
before(async () => {
  ws = workspace()
  ws.write('mq.cjs', mq)
  r = await ws.runManifest('backlog', manifest, [])
})
after(() => ws.cleanup())

function check(name: string) {
  const c = r.result?.checks.find((x) => x.name === name)
  assert.ok(c, `check ${name} in the result\n${r.stdout}\n${r.stderr}`)
  return c
}

describe('ordeal run: backlog and recovery over a real RabbitMQ', { timeout: 300_000 }, () => {
  test('the backlog grows while the consumer is paused and drains after: pass as constructed', (t) => {
    for (const c of r.result?.checks ?? []) {
      t.diagnostic(`${c.name} ${c.verdict}: ${c.message}`)
    }
    // The two strict checks fail by construction, so the run fails (exit 1), not errors.
    assert.equal(r.exitCode, 1, `${r.stdout}\n${r.stderr}`)
    const drains = check('backlog-drains')
    assert.equal(drains.verdict, 'Passed', drains.message)
    assert.match(
      drains.message,
      /^drained to [\d ]+ < 100 in [\d.]+ m?s after "stop-consumer" ended \(peak [\d ]+ at \+[\d.]+ s\)$/
    )
    const details = drains.details
    assert.equal(details?.type, 'backlog')
    assert.ok(
      details.type === 'backlog' && details.peak >= 150,
      `a backlog built up: ${details.peak}`
    )
    assert.match(r.stdout, /✓ backlog-drains \(backlog\) Passed: drained to/)
  })

  test('a deadline of 1 ms fails, saying how late it drained', () => {
    const strict = check('backlog-at-once')
    assert.equal(strict.verdict, 'Failed')
    assert.match(strict.message, /only [\d.]+ m?s after "stop-consumer" ended, later than 1 ms/)
  })

  test('the dump rate recovers to half of before; twenty times before it never reaches', () => {
    const recovers = check('dump-rate-recovers')
    assert.equal(recovers.verdict, 'Passed', recovers.message)
    assert.match(
      recovers.message,
      /^recovered to [\d.]+ ≥ 50% of [\d.]+ in .* after "stop-consumer" ended \(dip to [\d.]+\)$/
    )
    const d = recovers.details
    assert.ok(d?.type === 'recovery' && d.before > 0 && d.during < d.before, JSON.stringify(d))
    const tenfold = check('dump-rate-tenfold')
    assert.equal(tenfold.verdict, 'Failed')
    assert.match(tenfold.message, /^never back to 100000% of/)
  })

  test('the journal holds the samples; a frozen Prometheus is a gap of metric.failed, then samples again', () => {
    const samples = (name: string) =>
      r.events.flatMap((e) => (e.type === 'metric.sample' && e.name === name ? [e.sample] : []))
    const depth = samples('queue-depth')
    assert.ok(depth.length >= 30, `about one a second: ${depth.length}`)
    assert.ok(samples('dump-rate').length >= 30)
    const frozen = r.events.find((e) => e.type === 'fault.injected' && e.faultId === 'run.2')
    assert.ok(frozen, 'prom-down was injected')
    const failed = r.events.filter(
      (e) => e.type === 'metric.failed' && e.name === 'prom-depth' && e.t >= frozen.t
    )
    // A 4 s freeze outlasts a reading's 2 s timeout: at least one reading gives up.
    assert.ok(failed.length >= 1, 'readings failed while Prometheus was frozen')
    assert.ok(
      failed.every((e) => e.type === 'metric.failed' && /timed out/.test(e.error)),
      JSON.stringify(failed)
    )
    const lastFailure = failed[failed.length - 1]!
    assert.ok(
      samples('prom-depth').some((s) => s.t > lastFailure.t),
      'readings resumed once Prometheus was back'
    )
    // The Prometheus series saw the same backlog the management API did.
    assert.ok(Math.max(...samples('prom-depth').map((s) => s.value)) >= 150)
    assert.deepEqual(deriveResult(r.events), r.result)
    assertAllGone(launchedPids(r.events))
  })
})

// The natural way to write it: the fault is the last step. The run waits for the checks.
const lastStep = manifest.replace('name: backlog-e2e', 'name: backlog-last-step').replace(
  / {2}steps:[\s\S]*$/,
  `  steps:
    - name: baseline
      wait: 15s
    - name: stop-consumer
      fault: { type: process-pause, target: { service: consumer }, duration: 10s }
  checks:
    - { name: backlog-drains, type: backlog, metric: queue-depth, below: 100, within: 20s }
    - { name: dump-rate-recovers, type: recovery, metric: dump-rate, atLeast: 50%, within: 20s, baseline: 8s }
`
)

describe('ordeal run: the fault is the last step, no wait after it', { timeout: 300_000 }, () => {
  let last: ManifestRun
  before(async () => {
    last = await ws.runManifest('last-step', lastStep, [])
  })

  test('sampling goes on after the steps until the checks are decided, and both pass', () => {
    for (const c of last.result?.checks ?? []) {
      assert.equal(c.verdict, 'Passed', `${c.name}: ${c.message}\n${last.stdout}\n${last.stderr}`)
    }
    assert.equal(last.result?.checks.length, 2)
    assert.equal(last.exitCode, 0, `${last.stdout}\n${last.stderr}`)
    const waiting = last.events.filter((e) => e.type === 'metric.waiting')
    assert.equal(waiting.length, 1, 'said once')
    assert.match(
      waiting[0]!.type === 'metric.waiting' ? waiting[0]!.message : '',
      /^waiting up to \d+ s for (queue-depth to drain|dump-rate to recover)( and dump-rate to recover)?$/
    )
    assert.match(last.stdout, /waiting up to \d+ s for /)
    const reverted = last.events.find((e) => e.type === 'fault.reverted')
    assert.ok(reverted, 'stop-consumer was reverted')
    assert.ok(
      last.events.some(
        (e) => e.type === 'metric.sample' && e.name === 'queue-depth' && e.t > reverted.t
      ),
      'readings after the revert'
    )
    assert.deepEqual(deriveResult(last.events), last.result)
    assertAllGone(launchedPids(last.events))
  })
})
