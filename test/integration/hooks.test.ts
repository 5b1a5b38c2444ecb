/**
 * Hooks and triggers against a real Chaos Center (in this process, so that its clock is a
 * ManualClock): real signed requests over HTTP from the real senders' payload shapes (good,
 * bad signature, replayed, stale), deliveries recorded with their reasons, conditions with
 * Change across deliveries, a burst debounced into one run, failures and skips recorded,
 * secrets in no answer and no log line. The same suite runs on SQLite and on a real
 * PostgreSQL 15; the burst's run is a real tiny run (SQLite), its cause read back.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { apiFetch } from '../support/chaos-center.js'
import { ManualClock } from '../support/manual-clock.js'
import { startPostgres, type PostgresServer } from '../support/postgres.js'
import {
  argocdDeployed,
  fluxEvent,
  genericDelivery,
  githubDeploymentStatus,
  githubPing,
  type Delivery,
} from '../support/hook-fixtures.js'
import type { Experiment, LoginResponse, Run } from '../../src/shared/api.js'
import type {
  CreatedHook,
  HookDelivery,
  HookInfo,
  TriggerInfo,
} from '../../src/shared/continuous.js'
import { startServer, type RunningServer } from '../../src/server/server.js'

const manifest = (name: string, triggers: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
spec:
  hypothesis: A short wait passes.
  steps:
    - name: nap
      wait: 100ms
  triggers:
${triggers}
`

interface Center {
  server: RunningServer
  clock: ManualClock
  token: string
  logs: string[]
  secrets: string[]
  dataDir: string
}

async function openCenter(databaseUrl?: string, dataDir?: string): Promise<Center> {
  const dir = dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'ordeal-hooks-'))
  const clock = new ManualClock(Date.now())
  const logs: string[] = []
  const server = await startServer({
    dataDir: dir,
    port: 0,
    clock,
    onLog: (line) => logs.push(line),
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
  })
  let token = ''
  if (server.loginLink !== undefined) {
    const code = new URL(server.loginLink).searchParams.get('code') ?? ''
    const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
      method: 'POST',
      body: { code },
    })
    assert.equal(login.status, 200, login.text)
    token = login.json.token
  }
  return { server, clock, token, logs, secrets: [], dataDir: dir }
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 30_000
): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) {
      return value
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out: ${what}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

function hooksSuite(store: string, open: () => Promise<Center>, close: () => Promise<void>) {
  describe(`hooks and triggers (${store})`, () => {
    let c: Center
    const call = <T>(method: string, p: string, body?: unknown) =>
      apiFetch<T>(c.server.url, p, {
        token: c.token,
        method,
        ...(body === undefined ? {} : { body }),
      })
    const iso = (offsetMs = 0) => new Date(c.clock.now() + offsetMs).toISOString()

    async function post(hook: { id: string }, d: Delivery) {
      const r = await fetch(`${c.server.url}/api/hooks/${hook.id}`, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
      })
      const text = await r.text()
      return {
        status: r.status,
        text,
        json: JSON.parse(text) as HookDelivery & { message: string },
      }
    }

    async function hook(name: string, kind: CreatedHook['kind']): Promise<CreatedHook> {
      const r = await call<CreatedHook>('POST', '/api/hooks', { name, kind })
      assert.equal(r.status, 201, r.text)
      c.secrets.push(r.json.secret)
      return r.json
    }

    async function experiment(name: string, triggers: string): Promise<Experiment> {
      const r = await call<Experiment>('POST', '/api/experiments', {
        yaml: manifest(name, triggers),
      })
      assert.equal(r.status, 201, r.text)
      return r.json
    }

    const triggersOf = async (e: Experiment) => {
      const r = await call<TriggerInfo[]>('GET', `/api/experiments/${e.id}/triggers`)
      assert.equal(r.status, 200, r.text)
      return r.json
    }

    /** Moves the clock past the window, then waits for the trigger's firing to be recorded. */
    async function fired(e: Experiment, name: string, ms: number, after?: string) {
      await c.clock.advance(ms)
      return until(`a firing of ${e.name}/${name}`, async () => {
        const t = (await triggersOf(e)).find((x) => x.name === name)
        return t?.lastFiring !== undefined && t.lastFiring.at !== after ? t : undefined
      })
    }

    before(async () => {
      c = await open()
    })

    after(async () => {
      // No secret in any log line, whatever happened above.
      for (const secret of c.secrets) {
        assert.ok(!c.logs.some((line) => line.includes(secret)), `a log line carries a hook secret`)
      }
      await close()
    })

    test('a hook is answered once with its URL and secret; listings never show the secret', async () => {
      const h = await hook('created', 'generic')
      assert.match(h.id, /^hk_[0-9a-f]{32}$/)
      assert.equal(h.url, `${c.server.url}/api/hooks/${h.id}`)
      assert.match(h.secret, /^ohs_[0-9a-f]{64}$/)
      const list = await call<HookInfo[]>('GET', '/api/hooks')
      assert.equal(list.status, 200)
      assert.ok(list.json.some((x) => x.id === h.id && x.kind === 'generic'))
      assert.ok(!list.text.includes(h.secret))
      const again = await call('POST', '/api/hooks', { name: 'created', kind: 'flux' })
      assert.equal(again.status, 409, again.text)
      assert.match(again.text, /hook created already exists/)
      const bad = await call('POST', '/api/hooks', { name: 'Bad Name', kind: 'jenkins' })
      assert.equal(bad.status, 400, bad.text)
      assert.match(bad.text, /body\.(name|kind)/)
    })

    test('generic: good 202 with the match, replayed 409, bad signature 401, stale 400; all recorded', async () => {
      const h = await hook('ci', 'generic')
      const e = await experiment(
        'ci-target',
        `    - { name: on-ci, on: webhook, hook: ci, debounce: 10s, agent: edge-9 }`
      )
      const good = genericDelivery(
        h.secret,
        { app: 'orders', revision: 'abc' },
        { at: c.clock.now(), id: 'd-1' }
      )
      const ok = await post(h, good)
      assert.equal(ok.status, 202, ok.text)
      assert.equal(ok.json.outcome, 'accepted')
      assert.deepEqual(ok.json.matched, ['ci-target/on-ci'])
      const replay = await post(h, good)
      assert.equal(replay.status, 409, replay.text)
      assert.equal(
        replay.json.message,
        'hook ci: replay: this signed request (delivery d-1) was received before'
      )
      // The delivery id is not signed: the same signed bytes under a new id are still a replay.
      const renamed = await post(h, {
        ...good,
        headers: { ...good.headers, 'x-ordeal-delivery': 'd-1-again' },
      })
      assert.equal(renamed.status, 409, renamed.text)
      const forged = await post(
        h,
        genericDelivery('not-the-secret', { app: 'x' }, { at: c.clock.now(), id: 'd-2' })
      )
      assert.equal(forged.status, 401, forged.text)
      assert.equal(
        forged.json.message,
        'hook ci: X-Ordeal-Signature-256 does not match the body and timestamp'
      )
      // A forged request naming a real future id does not burn it.
      const real = await post(
        h,
        genericDelivery(h.secret, { app: 'x' }, { at: c.clock.now(), id: 'd-2' })
      )
      assert.equal(real.status, 202, real.text)
      const stale = await post(
        h,
        genericDelivery(h.secret, { app: 'x' }, { at: c.clock.now() - 600_000, id: 'd-3' })
      )
      assert.equal(stale.status, 400, stale.text)
      assert.equal(stale.json.message, 'hook ci: stale: sent 10 min ago, more than 5 min')
      const unknown = await post({ id: 'hk_nope' }, good)
      assert.equal(unknown.status, 404, unknown.text)

      const list = await call<HookDelivery[]>('GET', `/api/hooks/${h.id}/deliveries`)
      assert.equal(list.status, 200, list.text)
      assert.deepEqual(
        list.json.map((d) => [d.deliveryId, d.outcome, d.reason ?? '']).sort(),
        [
          ['d-1', 'accepted', ''],
          ['d-1', 'rejected', 'replay: this signed request (delivery d-1) was received before'],
          [
            'd-1-again',
            'rejected',
            'replay: this signed request (delivery d-1-again) was received before',
          ],
          ['d-2', 'accepted', ''],
          ['d-2', 'rejected', 'X-Ordeal-Signature-256 does not match the body and timestamp'],
          ['d-3', 'rejected', 'stale: sent 10 min ago, more than 5 min'],
        ].sort()
      )
      const hooks = await call<HookInfo[]>('GET', '/api/hooks')
      assert.equal(hooks.json.find((x) => x.id === h.id)?.lastDelivery?.hookId, h.id)

      // Three accepted events in one window: one firing; edge-9 is no agent: failed, with why.
      const t = await fired(e, 'on-ci', 10_000)
      assert.equal(t.lastFiring?.outcome, 'failed')
      assert.equal(t.lastFiring?.events, 2)
      assert.match(t.lastFiring?.reason ?? '', /agent edge-9 is not registered/)
      assert.equal(t.pendingEvents, 0)
    })

    test('github: ping ignored, deployment_status matched by environment and state; flux and argocd shapes', async () => {
      const gh = await hook('gh', 'github')
      const fx = await hook('fx', 'flux')
      const ar = await hook('ar', 'argocd')
      await experiment(
        'deploy-target',
        `    - name: gh-prod
      on: github
      hook: gh
      app: production
      conditions: [{ key: status, operator: EqualTo, value: success }]
      agent: edge-9
    - { name: fx-webapp, on: flux, hook: fx, app: kustomization/webapp, agent: edge-9 }
    - name: ar-orders
      on: argocd
      hook: ar
      app: orders
      conditions: [{ key: healthStatus, operator: EqualTo, value: Healthy }]
      agent: edge-9`
      )
      const ping = await post(gh, githubPing(gh.secret, 'guid-ping'))
      assert.equal(ping.status, 202, ping.text)
      assert.equal(ping.json.outcome, 'ignored')
      assert.equal(ping.json.reason, 'ping')
      const success = await post(gh, githubDeploymentStatus(gh.secret, { at: iso(), id: 'guid-1' }))
      assert.deepEqual([success.status, success.json.matched], [202, ['deploy-target/gh-prod']])
      const failure = await post(
        gh,
        githubDeploymentStatus(gh.secret, { at: iso(), id: 'guid-2', state: 'failure' })
      )
      assert.deepEqual(
        [failure.status, failure.json.outcome, failure.json.matched],
        [202, 'ignored', []]
      )
      const staging = await post(
        gh,
        githubDeploymentStatus(gh.secret, { at: iso(), id: 'guid-3', environment: 'staging' })
      )
      assert.deepEqual(staging.json.matched, [])

      const flux = await post(fx, fluxEvent(fx.secret, { at: iso(-1000) }))
      assert.deepEqual([flux.status, flux.json.matched], [202, ['deploy-target/fx-webapp']])
      const fluxAgain = await post(fx, fluxEvent(fx.secret, { at: iso(-1000) }))
      assert.equal(fluxAgain.status, 409, fluxAgain.text)
      const fluxForged = await post(fx, fluxEvent(gh.secret, { at: iso() }))
      assert.equal(fluxForged.status, 401, fluxForged.text)

      const argo = await post(ar, argocdDeployed(ar.secret, { at: iso(-2000) }))
      assert.deepEqual([argo.status, argo.json.matched], [202, ['deploy-target/ar-orders']])
      const degraded = await post(
        ar,
        argocdDeployed(ar.secret, { at: iso(-1000), health: 'Degraded' })
      )
      assert.deepEqual(degraded.json.matched, [])
      const wrong = await post(ar, argocdDeployed(fx.secret, { at: iso() }))
      assert.equal(wrong.status, 401, wrong.text)
      assert.equal(
        wrong.json.message,
        'hook ar: the Authorization header does not carry the hook secret'
      )
    })

    test('Change fires only when the field changed since the trigger’s previous event', async () => {
      const h = await hook('revs', 'generic')
      await experiment(
        'change-target',
        `    - name: new-revision
      on: webhook
      hook: revs
      conditions: [{ key: revision, operator: Change }]
      agent: edge-9`
      )
      let n = 0
      const send = async (revision: string) =>
        (
          await post(
            h,
            // Each delivery is new bytes (the same signed bytes again are a replay, 409).
            genericDelivery(h.secret, { revision, n }, { at: c.clock.now(), id: `r-${n++}` })
          )
        ).json.matched
      assert.deepEqual(await send('a'), ['change-target/new-revision'])
      assert.deepEqual(await send('a'), [])
      assert.deepEqual(await send('b'), ['change-target/new-revision'])
      assert.deepEqual(await send('b'), [])
    })

    test('a trigger removed during its window is skipped, with the reason; the hook deleted answers 404', async () => {
      const h = await hook('gone', 'generic')
      const e = await experiment(
        'skip-target',
        `    - { name: soon-gone, on: webhook, hook: gone, debounce: 5s, agent: edge-9 }`
      )
      const r = await post(h, genericDelivery(h.secret, {}, { at: c.clock.now(), id: 'g-1' }))
      assert.deepEqual(r.json.matched, ['skip-target/soon-gone'])
      assert.equal((await triggersOf(e))[0]?.pendingEvents, 1)
      const changed = await call('PUT', `/api/experiments/${e.id}`, {
        yaml: manifest('skip-target', `    - { name: other, on: webhook, hook: elsewhere }`),
      })
      assert.equal(changed.status, 200, changed.text)
      await c.clock.advance(5_000)
      const firing = await until('the skipped firing', async () => {
        const r = await call<TriggerInfo[]>('GET', '/api/triggers')
        // The removed trigger is no longer listed: read its firing from the store.
        const [row] = await c.server.ctx.store.sql.query<{ outcome: string; reason: string }>(
          "SELECT outcome, reason FROM trigger_firings WHERE experiment_id = $1 AND name = 'soon-gone'",
          [e.id]
        )
        assert.ok(!r.json.some((t) => t.name === 'soon-gone'))
        return row
      })
      assert.equal(firing.outcome, 'skipped')
      assert.equal(firing.reason, 'the trigger is no longer in the experiment’s manifest')

      const removed = await call('DELETE', `/api/hooks/${h.id}`)
      assert.equal(removed.status, 204, removed.text)
      const late = await post(h, genericDelivery(h.secret, {}, { at: c.clock.now(), id: 'g-2' }))
      assert.equal(late.status, 404, late.text)
      assert.equal((await call('GET', `/api/hooks/${h.id}/deliveries`)).status, 404)
      assert.equal((await call('GET', '/api/experiments/exp_nope/triggers')).status, 404)
    })

    test('kubernetes: the event names the experiment; the run goes to the reporting agent', async () => {
      await c.server.ctx.store.upsertAgent({
        name: 'cluster-agent',
        labels: {},
        addresses: [],
        maxRuns: 1,
        firstSeenAt: new Date().toISOString(),
      })
      const e = await experiment(
        'k8s-target',
        `    - { name: rollout, on: kubernetes, app: deployment/orders, debounce: 2s }`
      )
      const deliver = (app: string, experimentName = 'k8s-target', agent = 'cluster-agent') =>
        c.server.ctx.triggers.deliver({
          source: 'kubernetes',
          agent,
          agentLabels: {},
          app,
          experiment: experimentName,
          fields: { namespace: 'shop', workload: app, images: ['orders:2'], generation: 7 },
          // A forged line break in what an agent reports becomes a space.
          summary: `kubernetes: ${app} in shop:\nnew image orders:2`,
        })
      assert.deepEqual(await deliver('deployment/orders'), ['k8s-target/rollout'])
      assert.deepEqual(await deliver('deployment/billing'), [])
      assert.deepEqual(await deliver('deployment/orders', 'other'), [])
      // Another cluster's agent reporting the same workload: its own window, its own run (on
      // it: here an unregistered agent, so that firing fails); it never joins cluster-agent's.
      assert.deepEqual(await deliver('deployment/orders', 'k8s-target', 'intruder'), [
        'k8s-target/rollout',
      ])
      assert.equal((await triggersOf(e))[0]?.pendingEvents, 2)
      await c.clock.advance(2_000)
      const firings = await until('both windows’ firings', async () => {
        const rows = await c.server.ctx.store.sql.query<{
          outcome: string
          events: number
          reason: string | null
          run_id: string | null
        }>(
          "SELECT outcome, events, reason, run_id FROM trigger_firings WHERE experiment_id = $1 AND name = 'rollout' ORDER BY outcome",
          [e.id]
        )
        return rows.length === 2 ? rows : undefined
      })
      assert.deepEqual(
        firings.map((f) => [f.outcome, Number(f.events)]),
        [
          ['failed', 1],
          ['ran', 1],
        ]
      )
      assert.match(firings[0]?.reason ?? '', /intruder/)
      const run = await call<Run>('GET', `/api/runs/${firings[1]?.run_id}`)
      assert.equal(run.status, 200, run.text)
      assert.deepEqual(run.json.placement, { agent: 'cluster-agent' })
      assert.deepEqual(run.json.cause, {
        kind: 'trigger',
        trigger: 'rollout',
        source: 'kubernetes',
        events: 1,
        summary: 'kubernetes: deployment/orders in shop: new image orders:2',
      })
      // A trigger placed on an agent takes no other agent's events, and `ns/kind/name` names
      // the workload in that namespace only.
      const placed = await experiment(
        'k8s-placed',
        `    - { name: pinned, on: kubernetes, app: shop/deployment/orders, agent: cluster-agent }`
      )
      assert.deepEqual(await deliver('deployment/orders', 'k8s-placed', 'intruder'), [])
      assert.deepEqual(await deliver('deployment/orders', 'k8s-placed'), ['k8s-placed/pinned'])
      assert.equal((await triggersOf(placed))[0]?.pendingEvents, 1)
      await call('POST', `/api/runs/${run.json.id}/abort`)
    })

    test('a body over 512 KiB is 413 naming the limit', async () => {
      const h = await hook('big', 'generic')
      const r = await post(h, {
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(600 * 1024),
      })
      assert.equal(r.status, 413, r.text)
      assert.equal(r.json.message, 'body: larger than the limit of 512 KiB')
    })
  })
}

let sqlite: Center
hooksSuite(
  'SQLite',
  async () => (sqlite = await openCenter()),
  async () => {
    await sqlite.server.close()
    rmSync(sqlite.dataDir, { recursive: true, force: true })
  }
)

let pgServer: PostgresServer
let pgCenter: Center
hooksSuite(
  'PostgreSQL',
  async () => {
    pgServer = await startPostgres()
    return (pgCenter = await openCenter(pgServer.url))
  },
  async () => {
    await pgCenter?.server.close()
    rmSync(pgCenter?.dataDir ?? '/nonexistent', { recursive: true, force: true })
    await pgServer?.stop()
  }
)

describe('a burst becomes one real run; a restart drops the open window, recorded', () => {
  let c: Center
  before(async () => {
    c = await openCenter()
  })
  after(async () => {
    await c.server.close()
    rmSync(c.dataDir, { recursive: true, force: true })
  })

  test('20 signed events in one window start one run whose cause says 20; it passes', async () => {
    const call = <T>(method: string, p: string, body?: unknown) =>
      apiFetch<T>(c.server.url, p, {
        token: c.token,
        method,
        ...(body === undefined ? {} : { body }),
      })
    const created = await call<CreatedHook>('POST', '/api/hooks', {
      name: 'burst',
      kind: 'generic',
    })
    assert.equal(created.status, 201, created.text)
    const h = created.json
    c.secrets.push(h.secret)
    const e = await call<Experiment>('POST', '/api/experiments', {
      yaml: manifest(
        'burst-target',
        `    - name: deploys
      on: webhook
      hook: burst
      debounce: 30s
      conditions: [{ key: app, operator: EqualTo, value: orders }]
    - name: sentinel
      on: webhook
      hook: burst
      debounce: 1s
      agent: edge-9
      conditions: [{ key: app, operator: EqualTo, value: sentinel }]`
      ),
    })
    assert.equal(e.status, 201, e.text)
    const runsBefore = (await call<Run[]>('GET', '/api/runs?limit=500')).json.length
    for (let i = 0; i < 20; i++) {
      const d = genericDelivery(
        h.secret,
        { app: 'orders', revision: `rev-${i}` },
        { at: c.clock.now(), id: `b-${i}` }
      )
      const r = await fetch(`${c.server.url}/api/hooks/${h.id}`, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
      })
      assert.equal(r.status, 202, await r.text())
      await c.clock.advance(1_000) // 20 s in all: inside the 30 s window
    }
    const triggers = async () =>
      (await call<TriggerInfo[]>('GET', `/api/experiments/${e.json.id}/triggers`)).json
    const deploys = async () => (await triggers()).find((t) => t.name === 'deploys')
    /**
     * A barrier for "nothing else ran": a delivery only the sentinel trigger takes (placed on
     * no agent, so its firing fails and starts no run), its window closed after `ms` more, and
     * its firing awaited. Windows close in clock order, so any window that could still close
     * before it has closed and recorded its firing by then.
     */
    let sentinels = 0
    async function barrier(ms: number) {
      const n = ++sentinels
      const d = genericDelivery(
        h.secret,
        { app: 'sentinel', n },
        { at: c.clock.now(), id: `sentinel-${n}` }
      )
      const r = await fetch(`${c.server.url}/api/hooks/${h.id}`, {
        method: 'POST',
        headers: d.headers,
        body: d.body,
      })
      assert.equal(r.status, 202, await r.text())
      const before = (await triggers()).find((t) => t.name === 'sentinel')?.lastFiring?.at
      await c.clock.advance(ms)
      await until('the sentinel firing', async () => {
        const t = (await triggers()).find((x) => x.name === 'sentinel')
        return t?.lastFiring !== undefined && t.lastFiring.at !== before ? t : undefined
      })
    }
    assert.equal((await deploys())?.pendingEvents, 20)
    assert.equal((await call<Run[]>('GET', '/api/runs?limit=500')).json.length, runsBefore)
    await c.clock.advance(10_000)
    const info = await until('the firing', async () => {
      const t = await deploys()
      return t?.lastFiring !== undefined ? t : undefined
    })
    assert.equal(info.lastFiring?.outcome, 'ran', JSON.stringify(info.lastFiring))
    assert.equal(info.lastFiring?.events, 20)
    assert.equal(info.pendingEvents, 0)
    const run = await until('the run to end', async () => {
      const r = await call<Run>('GET', `/api/runs/${info.lastFiring?.runId}`)
      return r.json.status !== 'running' ? r.json : undefined
    })
    assert.equal(run.verdict, 'pass', JSON.stringify(run))
    assert.deepEqual(run.cause, {
      kind: 'trigger',
      trigger: 'deploys',
      source: 'burst',
      events: 20,
      summary: 'webhook burst: orders at rev-19',
    })
    // Later windows are new runs; nothing else ran (awaited through the barrier first).
    await barrier(120_000)
    assert.equal((await call<Run[]>('GET', '/api/runs?limit=500')).json.length, runsBefore + 1)

    // An open window when the server stops: dropped, recorded as skipped; the restarted server
    // has nothing pending and starts nothing.
    const d = genericDelivery(h.secret, { app: 'orders' }, { at: c.clock.now(), id: 'b-last' })
    const r = await fetch(`${c.server.url}/api/hooks/${h.id}`, {
      method: 'POST',
      headers: d.headers,
      body: d.body,
    })
    assert.equal(r.status, 202)
    await c.server.close()
    const again = await openCenter(undefined, c.dataDir)
    again.token = c.token
    c.server = again.server
    // The restarted server's clock resumes where the stopped one was (its firings are newer).
    again.clock.jumpTo(Math.max(again.clock.now(), c.clock.now()))
    c.clock = again.clock
    const after = await deploys()
    assert.equal(after?.pendingEvents, 0)
    assert.equal(after?.lastFiring?.outcome, 'skipped')
    assert.equal(
      after?.lastFiring?.reason,
      'the server stopped before the debounce window ended (1 event(s) dropped)'
    )
    await barrier(120_000)
    assert.equal((await call<Run[]>('GET', '/api/runs?limit=500')).json.length, runsBefore + 1)
    // The dropped delivery's key was given back: the sender's resend is taken, not a replay.
    const dropped = (
      await call<HookDelivery[]>('GET', `/api/hooks/${h.id}/deliveries?limit=200`)
    ).json.find((x) => x.deliveryId === 'b-last')
    assert.equal(
      dropped?.reason,
      'the server stopped before its debounce window ended: send it again'
    )
    const resent = await fetch(`${c.server.url}/api/hooks/${h.id}`, {
      method: 'POST',
      headers: d.headers,
      body: d.body,
    })
    assert.equal(resent.status, 202, await resent.text())
    assert.equal((await deploys())?.pendingEvents, 1)
    for (const secret of c.secrets) {
      assert.ok(![...c.logs, ...again.logs].some((line) => line.includes(secret)))
    }
  })
})
