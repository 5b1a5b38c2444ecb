/**
 * Notifications against real receivers on loopback and real runs on a real Chaos Center (in
 * process, its retries on a ManualClock): pass → fail → pass sends `failed` then `recovered`
 * with the run's link, to a generic webhook and to a Slack-shaped one; a receiver down for a
 * while is retried with backoff and reached once up on the same port; a 4xx fails at once; a
 * restart resumes a pending delivery; the URL (a secret) is in no answer and no log line.
 * Each scenario has its own experiment and target, matched by a label, so their verdicts and
 * deliveries do not mix.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startPostgres, type PostgresServer } from '../support/postgres.js'
import { startServer, type RunningServer } from '../../src/server/server.js'
import { ManualClock } from '../support/manual-clock.js'
import { apiFetch } from '../support/chaos-center.js'
import { freePort } from '../support/free-port.js'
import { startReceiver, type Receiver } from '../support/notification-receiver.js'
import type { Experiment, LoginResponse, RunSummary } from '../../src/shared/api.js'
import type { NotificationDelivery, NotificationTarget } from '../../src/shared/continuous.js'

/** The whole suite, on one store: every SQL statement of the feature runs on both. */
function suite(store: 'sqlite' | 'postgres'): void {
  let postgres: PostgresServer | undefined
  let server: RunningServer
  let dataDir: string
  let clock: ManualClock
  let owner: string
  const logs: string[] = []
  const receivers: Receiver[] = []

  /** The probe holds while the file says `ok`: one manifest, verdicts flipped from outside. */
  function toggled(name: string, scenario: string, file: string): string {
    return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
  labels: { scenario: ${scenario} }
spec:
  hypothesis: The state file says ok.
  deadline: 1m
  steps:
    - name: look
      wait: 50ms
      probes:
        - name: state
          type: cmd
          mode: EOT
          command: 'grep -qx ok ${file}'
`
  }

  const boot = async () =>
    startServer({
      dataDir,
      port: 0,
      clock,
      ...(postgres !== undefined ? { databaseUrl: postgres.url } : {}),
      onLog: (line) => logs.push(line),
    })

  before(async () => {
    if (store === 'postgres') {
      postgres = await startPostgres()
    }
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-notify-'))
    clock = new ManualClock(Date.now())
    server = await boot()
    const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
    const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
      method: 'POST',
      body: { code },
    })
    assert.equal(login.status, 200, login.text)
    owner = login.json.token
  })

  after(async () => {
    await server?.close()
    await Promise.all(receivers.map((r) => r.close()))
    rmSync(dataDir, { recursive: true, force: true })
    await postgres?.stop()
  })

  const api = <T>(p: string, options: { method?: string; body?: unknown } = {}) =>
    apiFetch<T>(server.url, p, { token: owner, ...options })

  async function receiver(port?: number): Promise<Receiver> {
    const r = await startReceiver(port)
    receivers.push(r)
    return r
  }

  /** An experiment of its own scenario, and a way to set whether its next run passes. */
  async function scenario(name: string) {
    const file = path.join(dataDir, `${name}.state`)
    writeFileSync(file, 'ok\n')
    const created = await api<Experiment>('/api/experiments', {
      method: 'POST',
      body: { yaml: toggled(name, name, file) },
    })
    assert.equal(created.status, 201, created.text)
    return {
      experiment: created.json,
      async run(pass: boolean): Promise<RunSummary> {
        writeFileSync(file, pass ? 'ok\n' : 'broken\n')
        const ends = nextEnd(created.json.id)
        const started = await api<RunSummary>('/api/runs', {
          method: 'POST',
          body: { experimentId: created.json.id },
        })
        assert.equal(started.status, 201, started.text)
        const ended = await ends
        assert.equal(ended.id, started.json.id)
        assert.equal(ended.verdict, pass ? 'pass' : 'fail', ended.reason)
        return ended
      },
    }
  }

  async function target(
    name: string,
    kind: 'webhook' | 'slack',
    url: string,
    scenarioName = name
  ): Promise<NotificationTarget> {
    const r = await api<NotificationTarget>('/api/notifications/targets', {
      method: 'POST',
      body: { name, kind, url, labels: { scenario: scenarioName } },
    })
    assert.equal(r.status, 201, r.text)
    return r.json
  }

  /** The experiment's next ended run, from the run-ended hub (subscribed before it starts). */
  function nextEnd(experimentId: string): Promise<RunSummary> {
    return new Promise((resolve) => {
      const unsubscribe = server.ctx.runEnded.subscribe((run) => {
        if (run.experimentId === experimentId) {
          unsubscribe()
          resolve(run)
        }
      })
    })
  }

  async function deliveriesOf(targetId: string): Promise<NotificationDelivery[]> {
    const r = await api<NotificationDelivery[]>('/api/notifications/deliveries?limit=500')
    assert.equal(r.status, 200, r.text)
    return r.json.filter((d) => d.targetId === targetId)
  }

  /**
   * The target's only delivery once the notifier has settled (every delivery of the runs ended
   * so far, and every attempt due on the clock, sent and recorded), checked against `ready`.
   */
  async function deliveryWhen(
    targetId: string,
    ready: (d: NotificationDelivery) => boolean
  ): Promise<NotificationDelivery> {
    await server.ctx.notifier.settled()
    const [d] = await deliveriesOf(targetId)
    assert.ok(d !== undefined && ready(d), `a delivery of ${targetId}: ${JSON.stringify(d)}`)
    return d
  }

  test('pass → fail → pass: a generic webhook gets `failed` then `recovered`, with the run link', async () => {
    const hook = await receiver()
    const slack = await receiver()
    const s = await scenario('checkout')
    await target('checkout', 'webhook', `${hook.url}/ordeal/hook-secret-4711`)
    await target(
      'checkout-slack',
      'slack',
      `${slack.url}/services/T0/B0/slack-secret-0815`,
      'checkout'
    )

    const first = await s.run(true)
    const failed = await s.run(false)
    const recovered = await s.run(true)
    const [a, b] = await hook.waitFor(2)
    assert.equal(a!.path, '/ordeal/hook-secret-4711')
    assert.match(String(a!.headers['content-type']), /^application\/json/)
    assert.deepEqual(a!.body, {
      event: 'verdict.changed',
      change: 'failed',
      experiment: 'checkout',
      run: {
        id: failed.id,
        verdict: 'fail',
        score: failed.score,
        reason: failed.reason,
        url: `${server.url}/runs/${failed.id}`,
      },
      previous: { id: first.id, verdict: 'pass' },
    })
    assert.deepEqual(
      { ...(b!.body as object), run: undefined },
      {
        event: 'verdict.changed',
        change: 'recovered',
        experiment: 'checkout',
        run: undefined,
        previous: { id: failed.id, verdict: 'fail' },
      }
    )
    assert.equal(
      (b!.body as { run: { url: string } }).run.url,
      `${server.url}/runs/${recovered.id}`
    )

    // The Slack-shaped receiver: {text, blocks}, the link in Slack's <url|label> markup.
    const [sa, sb] = await slack.waitFor(2)
    const text = (sa!.body as { text: string }).text
    assert.match(text, /hypothesis disproved: \*checkout\*/)
    assert.ok(text.includes(`<${server.url}/runs/${failed.id}|run ${failed.id}>`), text)
    assert.ok(Array.isArray((sa!.body as { blocks: unknown[] }).blocks))
    assert.match((sb!.body as { text: string }).text, /hypothesis holds again/)
    // Nothing more: the first pass was no news.
    assert.equal(hook.received.length, 2)
  })

  test('a receiver down for a while: retried with backoff on the clock, then delivered on the same port', async () => {
    const port = await freePort()
    const s = await scenario('payments')
    const t = await target('payments', 'webhook', `http://127.0.0.1:${port}/down-secret-1234`)
    const run = await s.run(false)

    const first = await deliveryWhen(t.id, (d) => d.attempts === 1)
    assert.equal(first.status, 'pending')
    assert.equal(first.runId, run.id)
    assert.equal(first.change, 'failed')
    assert.equal(first.lastError, 'connection refused (ECONNREFUSED)')
    assert.equal(Date.parse(first.nextAttemptAt!) - clock.now(), 1000)

    await clock.advance(1000)
    const second = await deliveryWhen(t.id, (d) => d.attempts === 2)
    assert.equal(Date.parse(second.nextAttemptAt!) - clock.now(), 2000, 'the delay doubles')
    await clock.advance(2000)
    await deliveryWhen(t.id, (d) => d.attempts === 3)

    const up = await receiver(port)
    await clock.advance(4000)
    const delivered = await deliveryWhen(t.id, (d) => d.status === 'delivered')
    assert.equal(delivered.attempts, 4)
    assert.equal(delivered.lastError, undefined)
    assert.equal(up.received.length, 1)
    assert.equal((up.received[0]!.body as { run: { id: string } }).run.id, run.id)
  })

  test('a receiver that never comes back: retried until about an hour has passed, then failed with the last error', async () => {
    const port = await freePort()
    const s = await scenario('ledger')
    const t = await target('ledger', 'webhook', `http://127.0.0.1:${port}/never-secret-5150`)
    await s.run(false)
    let d = await deliveryWhen(t.id, (x) => x.attempts === 1)
    const created = Date.parse(d.createdAt)
    while (d.status === 'pending') {
      const attempts = d.attempts
      await clock.advanceTo(d.nextAttemptAt!)
      d = await deliveryWhen(t.id, (x) => x.attempts === attempts + 1)
    }
    assert.equal(d.status, 'failed')
    assert.equal(d.lastError, 'connection refused (ECONNREFUSED)')
    assert.equal(d.nextAttemptAt, undefined)
    assert.ok(d.attempts >= 15 && d.attempts <= 20, `${d.attempts} attempts`)
    assert.ok(clock.now() - created <= 3_600_000, 'no attempt after the hour')
    assert.ok(
      logs.some(
        (line) => line.includes(`notification to ledger (run `) && line.includes('failed after')
      )
    )
  })

  test('a 4xx other than 408/429 fails at once with the answer, and stays visible', async () => {
    const gone = await receiver()
    gone.answer(404, 'no_service')
    const s = await scenario('search')
    const t = await target('search', 'slack', `${gone.url}/services/gone-secret-999`)
    await s.run(false)
    const d = await deliveryWhen(t.id, (x) => x.status !== 'pending')
    assert.equal(d.status, 'failed')
    assert.equal(d.attempts, 1)
    assert.equal(d.lastError, 'answered 404: no_service')
    const failedOnes = await api<NotificationDelivery[]>(
      '/api/notifications/deliveries?status=failed'
    )
    assert.ok(failedOnes.json.some((x) => x.id === d.id))
  })

  test('a 429 honours Retry-After; the test message goes through the same path', async () => {
    const busy = await receiver()
    busy.answer(429, 'slow down', { 'retry-after': '30' })
    const t = await target('busy', 'webhook', `${busy.url}/busy-secret-42`)
    const sent = await api<NotificationDelivery>(`/api/notifications/targets/${t.id}/test`, {
      method: 'POST',
    })
    assert.equal(sent.status, 200, sent.text)
    assert.equal(sent.json.change, 'test')
    assert.equal(sent.json.status, 'pending')
    assert.equal(sent.json.lastError, 'answered 429: slow down')
    assert.equal(Date.parse(sent.json.nextAttemptAt!) - clock.now(), 30_000)
    busy.answer(200, 'ok')
    await clock.advance(30_000)
    const d = await deliveryWhen(t.id, (x) => x.status === 'delivered')
    assert.equal(d.attempts, 2)
    assert.deepEqual(busy.received[1]!.body, {
      event: 'notification.test',
      target: 'busy',
      message: 'ordeal test message for notification target busy',
      url: server.url,
    })
  })

  test('a restart resumes a pending delivery from the store', async () => {
    const port = await freePort()
    const s = await scenario('orders')
    const t = await target('orders', 'webhook', `http://127.0.0.1:${port}/restart-secret-77`)
    const run = await s.run(false)
    await deliveryWhen(t.id, (d) => d.attempts === 1)

    await server.close()
    server = await boot()
    const up = await receiver(port)
    await clock.advance(1000)
    const d = await deliveryWhen(t.id, (x) => x.status === 'delivered')
    assert.equal(d.attempts, 2)
    assert.equal(up.received.length, 1, 'sent once after the restart')
    assert.equal((up.received[0]!.body as { run: { id: string } }).run.id, run.id)
  })

  test('the URL is a secret: answers show urlHint only; no log line, no delivery carries it', async () => {
    const targets = await api<NotificationTarget[]>('/api/notifications/targets')
    assert.equal(targets.status, 200)
    assert.ok(targets.json.length >= 5)
    for (const t of targets.json) {
      assert.match(t.urlHint, /^http:\/\/127\.0\.0\.1:\d+\/…$/)
      assert.equal((t as unknown as { url?: string }).url, undefined)
    }
    const deliveries = await api<NotificationDelivery[]>('/api/notifications/deliveries')
    const everything = [targets.text, deliveries.text, ...logs].join('\n')
    assert.ok(!/secret-\d+/.test(everything), 'a target URL reached an answer or the log')
  })

  test('targets: owner only, a duplicate name is 409, a bad URL 400 naming the field, DELETE 404 once gone', async () => {
    const r = await api('/api/notifications/targets', {
      method: 'POST',
      body: { name: 'bad', kind: 'webhook', url: 'ftp://example.invalid/x' },
    })
    assert.equal(r.status, 400)
    assert.match((r.json as { message: string }).message, /^body\.url: must be an http/)
    const t = await target('temp', 'webhook', 'http://127.0.0.1:9/x')
    const dup = await api('/api/notifications/targets', {
      method: 'POST',
      body: { name: 'temp', kind: 'webhook', url: 'http://127.0.0.1:9/y' },
    })
    assert.equal(dup.status, 409)
    assert.equal(
      (await api(`/api/notifications/targets/${t.id}`, { method: 'DELETE' })).status,
      204
    )
    assert.equal(
      (await api(`/api/notifications/targets/${t.id}`, { method: 'DELETE' })).status,
      404
    )
  })
}

describe('on SQLite', () => suite('sqlite'))
describe('on PostgreSQL', () => suite('postgres'))
