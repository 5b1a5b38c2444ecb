/**
 * Rollout gates against a real Chaos Center (in process, with a ManualClock) and real runs: a
 * tiny experiment whose cmd probe holds (`true`) and one whose probe fails (`false`). The
 * callers' own request shapes: Argo Rollouts' web metric (GET, the token in a header from a
 * secret, `{$.pass}` read from the JSON) and Flagger's webhook (POST JSON {name, namespace,
 * phase, checksum, metadata}, no custom headers: the token in metadata.token).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startPostgres, type PostgresServer } from '../support/postgres.js'
import { startServer, type RunningServer } from '../../src/server/server.js'
import { ManualClock } from '../support/manual-clock.js'
import { apiFetch, createUserWithToken } from '../support/chaos-center.js'
import type { Experiment, LoginResponse, Run, RunSummary } from '../../src/shared/api.js'
import type { GateAnswer } from '../../src/shared/continuous.js'

/** The whole suite, on one store: every SQL statement of the feature runs on both. */
function suite(store: 'sqlite' | 'postgres'): void {
  let postgres: PostgresServer | undefined
  const probeExperiment = (
    name: string,
    command: string,
    wait = '100ms'
  ) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: The probe holds.
  deadline: 1m
  steps:
    - name: look
      wait: ${wait}
      probes:
        - name: check
          type: cmd
          mode: EOT
          command: '${command}'
`

  let server: RunningServer
  let dataDir: string
  let clock: ManualClock
  let owner: string
  let editor: string
  let viewer: string
  const logs: string[] = []

  before(async () => {
    if (store === 'postgres') {
      postgres = await startPostgres()
    }
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-gates-'))
    clock = new ManualClock(Date.now())
    server = await startServer({
      dataDir,
      port: 0,
      clock,
      ...(postgres !== undefined ? { databaseUrl: postgres.url } : {}),
      onLog: (line) => logs.push(line),
    })
    const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
    const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
      method: 'POST',
      body: { code },
    })
    assert.equal(login.status, 200, login.text)
    owner = login.json.token
    const center = { url: server.url, ownerToken: owner }
    editor = (await createUserWithToken(center, 'editor', 'erin')).token
    viewer = (await createUserWithToken(center, 'viewer', 'victor')).token
    for (const [name, command, wait] of [
      ['holds', 'true', '100ms'],
      ['breaks', 'false', '100ms'],
      ['slow', 'true', '4s'],
    ] as const) {
      const created = await apiFetch<Experiment>(server.url, '/api/experiments', {
        token: owner,
        method: 'POST',
        body: { yaml: probeExperiment(name, command, wait) },
      })
      assert.equal(created.status, 201, created.text)
    }
  })

  after(async () => {
    await server?.close()
    rmSync(dataDir, { recursive: true, force: true })
    await postgres?.stop()
  })

  /** Argo Rollouts' web metric: GET, `Authorization: Bearer …` from a secret, JSON answer. */
  const argo = (p: string, token = viewer) =>
    apiFetch<GateAnswer>(server.url, p, { headers: { authorization: `Bearer ${token}` } })

  /** Flagger's webhook: POST of its payload, no custom header (Content-Type only). */
  const flagger = (experiment: string, metadata: Record<string, string>, query = '') =>
    apiFetch<GateAnswer>(server.url, `/api/gates/${experiment}${query}`, {
      method: 'POST',
      body: {
        name: 'podinfo',
        namespace: 'test',
        phase: 'Progressing',
        checksum: '6d5f8c9b7',
        metadata,
      },
    })

  /** The next ended run that `wanted` picks, from the run-ended hub (subscribe before it can end). */
  function nextEnd(wanted: (run: RunSummary) => boolean): Promise<RunSummary> {
    return new Promise((resolve) => {
      const unsubscribe = server.ctx.runEnded.subscribe((run) => {
        if (wanted(run)) {
          unsubscribe()
          resolve(run)
        }
      })
    })
  }

  /** A run's start: no hub publishes it, so the runs list is read until it shows (a few reads). */
  async function started(experiment: string): Promise<RunSummary> {
    const deadline = Date.now() + 60_000
    for (;;) {
      const runs = await apiFetch<RunSummary[]>(server.url, '/api/runs?status=running', {
        token: owner,
      })
      const run = runs.json.find((r) => r.experimentName === experiment)
      if (run !== undefined) {
        return run
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out: a run of ${experiment} to start`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  test('an unknown experiment is a 404 in one line; no run yet is a 412 saying so', async () => {
    const unknown = await argo('/api/gates/nope')
    assert.equal(unknown.status, 404)
    assert.deepEqual(unknown.json, { error: 'not_found', message: 'experiment nope not found' })
    const none = await argo('/api/gates/holds')
    assert.equal(none.status, 412)
    assert.equal(none.json.reason, 'no run of version 1 yet')
    assert.equal(none.json.pass, false)
  })

  test('run=true needs an editor: a viewer gets 403 in one line, and no run starts', async () => {
    const r = await argo('/api/gates/holds?run=true', viewer)
    assert.equal(r.status, 403)
    assert.deepEqual(r.json, {
      error: 'forbidden',
      message: 'run=true starts a run: requires role editor; token has viewer',
    })
    const runs = await apiFetch<RunSummary[]>(server.url, '/api/runs', { token: owner })
    assert.equal(runs.json.length, 0)
  })

  test('Argo Rollouts: GET ?run=true waits for the run it started and answers 200 {pass: true}', async () => {
    const r = await argo('/api/gates/holds?run=true&threshold=80', editor)
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.pass, true)
    assert.equal(r.json.verdict, 'pass')
    assert.equal(r.json.threshold, 80)
    assert.match(r.json.reason, /^run \S+ passed with score 100 ≥ 80$/)
    const run = await apiFetch<Run>(server.url, `/api/runs/${r.json.runId}`, { token: viewer })
    assert.equal(run.json.status, 'finished')
    assert.deepEqual(run.json.cause, { kind: 'gate', gate: 'erin' })
    assert.equal(run.json.startedByName, 'erin')
    // The same gate without run=true judges that run (Argo's successCondition: result == true).
    const again = await argo('/api/gates/holds')
    assert.equal(again.status, 200)
    assert.equal(again.json.runId, r.json.runId)
  })

  test('Flagger: POST with the token in metadata.token; a failing run is 412 with its score and reason', async () => {
    const r = await flagger('breaks', { token: editor, run: 'true', threshold: '50' })
    assert.equal(r.status, 412, r.text)
    assert.equal(r.json.pass, false)
    assert.equal(r.json.verdict, 'fail')
    assert.match(r.json.reason, /^run \S+ failed with score 0 < 50: /)
    const run = await apiFetch<Run>(server.url, `/api/runs/${r.json.runId}`, { token: viewer })
    assert.deepEqual(run.json.cause, { kind: 'gate', gate: 'flagger test/podinfo' })
    // A tolerance of 0 lets the same failed run through (Flagger promotes).
    const lenient = await flagger('breaks', { token: viewer, threshold: '0' })
    assert.equal(lenient.status, 200, lenient.text)
    assert.equal(lenient.json.runId, r.json.runId)
  })

  test('Flagger: no token anywhere is 401; a bad one 401; a viewer asking run=true 403; bad fields 400', async () => {
    const missing = await flagger('holds', {})
    assert.equal(missing.status, 401)
    assert.deepEqual(missing.json, { error: 'unauthorized', message: 'missing bearer token' })
    const bad = await flagger('holds', { token: 'ord_not-a-real-token' })
    assert.equal(bad.status, 401)
    assert.deepEqual(bad.json, { error: 'unauthorized', message: 'invalid or expired token' })
    const weak = await flagger('holds', { token: viewer, run: 'true' })
    assert.equal(weak.status, 403)
    const threshold = await flagger('holds', { token: viewer, threshold: 'lots' })
    assert.equal(threshold.status, 400)
    assert.match(
      (threshold.json as unknown as { message: string }).message,
      /^body\.metadata\.threshold: /
    )
    const query = await argo('/api/gates/holds?threshold=101')
    assert.equal(query.status, 400)
    assert.match((query.json as unknown as { message: string }).message, /^query\.threshold: /)
    const timeout = await argo('/api/gates/holds?run=true&timeout=2h', editor)
    assert.equal(timeout.status, 400)
    assert.match((timeout.json as unknown as { message: string }).message, /^query\.timeout: /)
    // The token sent in the body is never written to the server's log.
    for (const token of [editor, viewer]) {
      assert.ok(!logs.some((line) => line.includes(token)), 'a token reached the log')
    }
  })

  test('a token in the body counts only on the routes that declare it', async () => {
    for (const [method, route] of [
      ['POST', '/api/runs'],
      ['POST', '/api/notifications/targets'],
    ] as const) {
      const r = await apiFetch(server.url, route, {
        method,
        body: { metadata: { token: owner }, experimentId: 'x' },
      })
      assert.equal(r.status, 401, `${method} ${route}: ${r.text}`)
      assert.deepEqual(r.json, { error: 'unauthorized', message: 'missing bearer token' })
    }
    // A header, when sent, is the token: the body's is not consulted.
    const both = await apiFetch<GateAnswer>(server.url, '/api/gates/holds', {
      method: 'POST',
      headers: { authorization: 'Bearer ord_not-a-real-token' },
      body: { name: 'podinfo', namespace: 'test', metadata: { token: viewer } },
    })
    assert.equal(both.status, 401)
  })

  test('maxAge: the latest run, once older than maxAge on the clock, fails the gate', async () => {
    const fresh = await argo('/api/gates/holds?maxAge=1h')
    assert.equal(fresh.status, 200, fresh.text)
    clock.jumpTo(clock.now() + 2 * 3_600_000)
    const stale = await argo('/api/gates/holds?maxAge=1h')
    assert.equal(stale.status, 412)
    assert.match(stale.json.reason, /^run \S+ ended 2 h ago, older than maxAge 1 h$/)
  })

  test('run=true outliving the wait is a 504 naming the run, which goes on and is judged later', async () => {
    const ends = nextEnd((run) => run.experimentName === 'slow')
    const pending = argo('/api/gates/slow?run=true&timeout=1m', editor)
    const running = await started('slow')
    await clock.advance(60_000)
    const r = await pending
    assert.equal(r.status, 504, r.text)
    assert.equal(r.json.pass, false)
    assert.equal(r.json.runId, running.id)
    assert.match(r.json.reason, /still running after 1 min; it goes on/)
    const ended = await ends
    assert.equal(ended.id, running.id)
    assert.equal(ended.verdict, 'pass')
    const later = await argo('/api/gates/slow')
    assert.equal(later.status, 200)
    assert.equal(later.json.runId, running.id)
  })

  test('only runs of the current version count: a changed manifest has no evidence until it runs; anyVersion=true opts out', async () => {
    const before = await argo('/api/gates/holds')
    assert.equal(before.status, 200, before.text)
    const judged = await apiFetch<Run>(server.url, `/api/runs/${before.json.runId}`, {
      token: owner,
    })
    const experiment = await apiFetch<Experiment>(
      server.url,
      `/api/experiments/${judged.json.experimentId}`,
      { token: owner }
    )
    const changed = await apiFetch<Experiment>(
      server.url,
      `/api/experiments/${experiment.json.id}`,
      {
        token: owner,
        method: 'PUT',
        body: { yaml: probeExperiment('holds', 'true', '150ms') },
      }
    )
    assert.equal(changed.status, 200, changed.text)
    const version = changed.json.version
    assert.ok(version > experiment.json.version)
    const now = await argo('/api/gates/holds')
    assert.equal(now.status, 412, now.text)
    assert.equal(now.json.reason, `no run of version ${version} yet`)
    const any = await argo('/api/gates/holds?anyVersion=true')
    assert.equal(any.status, 200, any.text)
    assert.equal(any.json.runId, before.json.runId)
    const viaFlagger = await flagger('holds', { token: viewer, anyVersion: 'true' })
    assert.equal(viaFlagger.status, 200, viaFlagger.text)
    const ran = await argo('/api/gates/holds?run=true', editor)
    assert.equal(ran.status, 200, ran.text)
    const after = await argo('/api/gates/holds')
    assert.equal(after.status, 200, after.text)
    assert.equal(after.json.runId, ran.json.runId)
  })
}

describe('on SQLite', () => suite('sqlite'))
describe('on PostgreSQL', () => suite('postgres'))
