/**
 * A Chaos Center a team can share (issue 13 §5), against the real server process and the
 * built CLI: new login links for users and for the owner while the server runs, versions and
 * runs that name who made them (a CI token's name, not `owner`), `run --server` that never
 * replaces the version edited in the UI unless asked, the experiment list's search, labels and
 * running indicator, and a run's reports as downloads.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import type {
  ApiError,
  CreatedToken,
  Experiment,
  ExperimentSummary,
  ExperimentVersion,
  ExperimentVersionPage,
  JournalEvent,
  LoginLink,
  LoginResponse,
  Run,
  RunSummary,
  StreamMessage,
  User,
} from '../../src/shared/api.js'
import { ReportCollector } from '../../src/report/html/collect.js'
import { reportHtml } from '../../src/report/html/render.js'
import { reportPageScript } from '../../src/report/html/page-asset.js'
import { junitXml } from '../../src/report/junit.js'
import {
  allRunEvents,
  apiFetch,
  createUserWithToken,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'
import { runCli, workspace, type Workspace } from '../support/cli.js'
import { openStream } from '../support/sse.js'
import { startPostgres } from '../support/postgres.js'

/** A run of one sleeping service and one wait: quick, and needs nothing but node. */
const manifest = (
  name: string,
  options: { wait?: string; hypothesis?: string; labels?: string } = {}
) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${name}
${options.labels !== undefined ? `  labels: ${options.labels}\n` : ''}spec:
  hypothesis: ${options.hypothesis ?? 'The sleeper keeps sleeping.'}
  system:
    services:
      - name: sleeper
        command: node
        args: ['-e', 'setInterval(() => {}, 1000)']
  steps:
    - name: nap
      wait: ${options.wait ?? '100ms'}
`

let center: ChaosCenter
let ws: Workspace
let editor: { user: User; token: string }
/** The editor's API token named `ci-deploy`, as a CI pipeline would hold it. */
let ci: string

before(async () => {
  ws = workspace()
  center = await startChaosCenter({ env: { ORDEAL_STATE_DIR: ws.stateDir } })
  editor = await createUserWithToken(center, 'editor', 'alice')
  const token = await apiFetch<CreatedToken>(center.url, '/api/tokens', {
    token: editor.token,
    method: 'POST',
    body: { name: 'ci-deploy' },
  })
  assert.equal(token.status, 201, token.text)
  ci = token.json.secret
})

after(async () => {
  await center?.dispose()
  ws?.cleanup()
})

const call = <T>(token: string, apiPath: string, method = 'GET', body?: unknown) =>
  apiFetch<T>(center.url, apiPath, { token, method, ...(body !== undefined ? { body } : {}) })

async function create(token: string, yaml: string): Promise<Experiment> {
  const r = await call<Experiment>(token, '/api/experiments', 'POST', { yaml })
  assert.equal(r.status, 201, r.text)
  return r.json
}

async function save(token: string, id: string, yaml: string): Promise<Experiment> {
  const r = await call<Experiment>(token, `/api/experiments/${id}`, 'PUT', { yaml })
  assert.equal(r.status, 200, r.text)
  return r.json
}

async function versions(id: string): Promise<ExperimentVersionPage['versions']> {
  const r = await call<ExperimentVersionPage>(editor.token, `/api/experiments/${id}/versions`)
  assert.equal(r.status, 200, r.text)
  return r.json.versions
}

const isEnd = (m: StreamMessage) => m.event === 'status' && m.data.status !== 'running'

/** Resolves with the run once it has ended (awaited on its live stream, not polled). */
async function ended(runId: string): Promise<Run> {
  // Not cancelled: the server ends the stream after the final status (or at dispose).
  const stream = await openStream(`${center.url}/api/runs/${runId}/stream`, editor.token)
  await stream.waitFor(isEnd, `the end of run ${runId}`, 60_000)
  const run = await call<Run>(editor.token, `/api/runs/${runId}`)
  assert.equal(run.status, 200, run.text)
  return run.json
}

describe('login links', () => {
  test('the owner issues a new one-time link for an existing user; older unused ones stop working', async () => {
    const created = await call<{ user: User; loginCode: string }>(
      center.ownerToken,
      '/api/users',
      'POST',
      { name: 'bob', role: 'viewer' }
    )
    assert.equal(created.status, 201, created.text)
    const link = await call<LoginLink>(
      center.ownerToken,
      `/api/users/${created.json.user.id}/login-link`,
      'POST'
    )
    assert.equal(link.status, 201, link.text)
    const url = new URL(link.json.loginLink)
    assert.equal(url.origin, center.url)
    assert.equal(url.pathname, '/login')
    assert.equal(url.searchParams.get('code'), link.json.loginCode)

    const login = (code: string) =>
      apiFetch<LoginResponse>(center.url, '/api/auth/login', { method: 'POST', body: { code } })
    assert.equal((await login(created.json.loginCode)).status, 401, 'the first link is revoked')
    const used = await login(link.json.loginCode)
    assert.equal(used.status, 200, used.text)
    assert.equal(used.json.user.name, 'bob')
    assert.equal((await login(link.json.loginCode)).status, 401, 'one use only')

    const missing = await call<ApiError>(
      center.ownerToken,
      '/api/users/usr_nobody/login-link',
      'POST'
    )
    assert.equal(missing.status, 404, missing.text)
  })

  test('the server log names who issued a login link (an owner could act as the user with it)', async () => {
    const me = await call<{ user: User }>(center.ownerToken, '/api/auth/me')
    const link = await call<LoginLink>(
      center.ownerToken,
      `/api/users/${editor.user.id}/login-link`,
      'POST'
    )
    assert.equal(link.status, 201, link.text)
    assert.match(
      center.output(),
      new RegExp(`login link for user ${editor.user.id} \\(issued by ${me.json.user.id}\\)`)
    )
  })
})

describe('who made it', () => {
  test("versions and runs carry the user's name, and the API token's name when one was used", async () => {
    const experiment = await create(editor.token, manifest('who-made-it'))
    assert.equal(experiment.createdBy, editor.user.id)
    assert.equal(experiment.createdByName, 'alice')
    await save(ci, experiment.id, manifest('who-made-it', { hypothesis: 'CI says so.' }))
    assert.deepEqual(
      (await versions(experiment.id)).map((v) => [
        v.version,
        v.createdBy,
        v.createdByName,
        v.createdVia,
      ]),
      [
        [2, editor.user.id, 'alice', 'ci-deploy'],
        [1, editor.user.id, 'alice', undefined],
      ]
    )
    const one = await call<ExperimentVersion>(
      editor.token,
      `/api/experiments/${experiment.id}/versions/2`
    )
    assert.equal(one.json.createdVia, 'ci-deploy')

    const started = await call<RunSummary>(ci, '/api/runs', 'POST', {
      experimentId: experiment.id,
    })
    assert.equal(started.status, 201, started.text)
    assert.equal(started.json.startedByName, 'alice')
    assert.equal(started.json.startedVia, 'ci-deploy')
    const run = await ended(started.json.id)
    assert.equal(run.startedBy, editor.user.id)
    assert.equal(run.startedByName, 'alice')
    assert.equal(run.startedVia, 'ci-deploy')
    const listed = await call<RunSummary[]>(editor.token, `/api/runs?experimentId=${experiment.id}`)
    assert.deepEqual(
      listed.json.map((r) => [r.startedByName, r.startedVia]),
      [['alice', 'ci-deploy']]
    )

    const fromUi = await call<RunSummary>(editor.token, '/api/runs', 'POST', {
      experimentId: experiment.id,
    })
    assert.equal(fromUi.status, 201, fromUi.text)
    assert.equal(fromUi.json.startedByName, 'alice')
    assert.equal('startedVia' in fromUi.json, false, 'a UI session names no token')
    await ended(fromUi.json.id)
  })

  test('an API token named like a session is still an API token: named in history, kept at logout', async () => {
    const named = await call<CreatedToken>(editor.token, '/api/tokens', 'POST', {
      name: 'session 2026-12-07',
    })
    assert.equal(named.status, 201, named.text)
    const spoof = named.json.secret
    const experiment = await create(spoof, manifest('session-named-token'))
    const [v1] = await versions(experiment.id)
    assert.equal(v1?.createdVia, 'session 2026-12-07', 'the token is named, not hidden')
    const logout = await call<{ revoked: boolean }>(spoof, '/api/auth/logout', 'POST')
    assert.equal(logout.status, 200, logout.text)
    assert.equal(logout.json.revoked, false, 'logout never deletes an API token')
    assert.equal((await call(spoof, '/api/auth/me')).status, 200, 'still valid')
  })
})

describe('the experiment list', () => {
  test('search by name or hypothesis, filter by labels, see what is running', async () => {
    await create(
      editor.token,
      manifest('list-payments', { labels: '{ team: payments, tier: "1" }', wait: '60s' })
    )
    await create(
      editor.token,
      manifest('list-search', { hypothesis: 'Checkout survives a DATABASE failover.' })
    )
    await create(editor.token, manifest('list-other', { labels: '{ team: search }' }))
    const list = async (query: string) => {
      const r = await call<ExperimentSummary[]>(editor.token, `/api/experiments?${query}`)
      assert.equal(r.status, 200, r.text)
      return r.json.map((e) => e.name)
    }
    assert.deepEqual(await list('q=LIST-'), ['list-other', 'list-payments', 'list-search'])
    assert.deepEqual(await list('q=database'), ['list-search'], 'the hypothesis, any case')
    assert.deepEqual(await list('label=team%3Dpayments'), ['list-payments'])
    assert.deepEqual(await list('label=team%3Dpayments&label=tier%3D1'), ['list-payments'])
    assert.deepEqual(await list('label=team%3Dpayments&label=tier%3D2'), [])
    assert.deepEqual(await list('q=list&label=team%3Dsearch'), ['list-other'])
    const bad = await call<ApiError>(editor.token, '/api/experiments?label=team')
    assert.equal(bad.status, 400, bad.text)
    assert.match(bad.json.message, /label/)

    const all = await call<ExperimentSummary[]>(editor.token, '/api/experiments?q=list-payments')
    const payments = all.json[0]!
    assert.deepEqual(payments.labels, { team: 'payments', tier: '1' })
    assert.equal(payments.runningRuns, 0)
    const started = await call<RunSummary>(editor.token, '/api/runs', 'POST', {
      experimentId: payments.id,
    })
    assert.equal(started.status, 201, started.text)
    const running = await call<ExperimentSummary[]>(editor.token, '/api/experiments?q=list-')
    assert.deepEqual(
      running.json.map((e) => [e.name, e.runningRuns]),
      [
        ['list-other', 0],
        ['list-payments', 1],
        ['list-search', 0],
      ]
    )
    const aborted = await call(editor.token, `/api/runs/${started.json.id}/abort`, 'POST')
    assert.equal(aborted.status, 200, aborted.text)
    await ended(started.json.id)
    const after = await call<Experiment>(editor.token, `/api/experiments/${payments.id}`)
    assert.equal(after.json.runningRuns, 0)
  })
})

describe('downloads', () => {
  test("result.json and junit.xml are the CLI's files once the run ended; journal.jsonl is every event", async () => {
    const experiment = await create(editor.token, manifest('downloads', { wait: '3s' }))
    const started = await call<RunSummary>(editor.token, '/api/runs', 'POST', {
      experimentId: experiment.id,
    })
    assert.equal(started.status, 201, started.text)
    const runId = started.json.id
    const download = (file: string) =>
      fetch(`${center.url}/api/runs/${runId}/${file}`, {
        headers: { authorization: `Bearer ${editor.token}` },
      })

    // While it runs: no result yet, but the journal so far.
    for (const file of ['result.json', 'junit.xml', 'report.html']) {
      const early = await download(file)
      assert.equal(early.status, 409, `${file} while running`)
      assert.match(((await early.json()) as ApiError).message, /still running/)
    }
    const partial = await download('journal.jsonl')
    assert.equal(partial.status, 200)

    const run = await ended(runId)
    assert.ok(run.result)
    const json = await download('result.json')
    assert.equal(json.status, 200)
    assert.match(json.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(
      json.headers.get('content-disposition'),
      `attachment; filename="downloads-${runId}.json"`
    )
    assert.equal(await json.text(), `${JSON.stringify(run.result, null, 2)}\n`)

    const junit = await download('junit.xml')
    assert.equal(junit.status, 200)
    assert.match(junit.headers.get('content-type') ?? '', /^application\/xml/)
    assert.equal(
      junit.headers.get('content-disposition'),
      `attachment; filename="downloads-${runId}.xml"`
    )
    assert.equal(await junit.text(), `${junitXml(run.result)}\n`)

    // The HTML report: the file `ordeal run --report` writes from the same journal and result.
    const report = await download('report.html')
    assert.equal(report.status, 200)
    assert.match(report.headers.get('content-type') ?? '', /^text\/html/)
    assert.equal(
      report.headers.get('content-disposition'),
      `attachment; filename="downloads-${runId}.html"`
    )
    const local = new ReportCollector()
      .addAll(await allRunEvents(center, runId, 500))
      .finish(run.result)
    assert.equal(await report.text(), reportHtml(local, reportPageScript()))

    const journal = await download('journal.jsonl')
    assert.equal(journal.status, 200)
    assert.equal(
      journal.headers.get('content-disposition'),
      `attachment; filename="downloads-${runId}.jsonl"`
    )
    const text = await journal.text()
    assert.ok(text.endsWith('\n'))
    const events = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as JournalEvent)
    assert.deepEqual(events, await allRunEvents(center, runId, 500))
    assert.equal(events.at(-1)?.type, 'run.ended')
    // Without load there are no op events: `?ops=true` (every event) is the same file.
    const withOps = await download('journal.jsonl?ops=true')
    assert.equal(await withOps.text(), text)
    assert.equal((await download('journal.jsonl?ops=yes')).status, 400)

    const missing = await fetch(`${center.url}/api/runs/no-such-run/result.json`, {
      headers: { authorization: `Bearer ${editor.token}` },
    })
    assert.equal(missing.status, 404)
  })
})

describe('recording from the CLI (ordeal run --server)', () => {
  test('the record route never replaces the current version unless asked', async () => {
    const name = 'record-versions'
    const v1 = manifest(name)
    const ui = manifest(name, { hypothesis: 'Edited in the UI.' })
    const ciYaml = manifest(name, { hypothesis: 'Changed in CI.' })
    const experiment = await create(editor.token, v1)
    await save(editor.token, experiment.id, ui)
    let n = 0
    const record = async (yaml: string, updateExperiment?: boolean) => {
      const r = await call<RunSummary>(ci, '/api/runs/record', 'POST', {
        yaml,
        runId: `rec-${++n}-${Date.now()}`,
        ...(updateExperiment !== undefined ? { updateExperiment } : {}),
      })
      assert.equal(r.status, 201, r.text)
      return r.json
    }
    const current = async () =>
      (await call<Experiment>(editor.token, `/api/experiments/${experiment.id}`)).json

    const other = await record(ciYaml)
    assert.equal(other.experimentVersion, 3, 'a new version for the manifest it ran')
    assert.equal(other.startedVia, 'ci-deploy')
    assert.deepEqual([(await current()).version, (await current()).yaml], [2, ui])
    const v3 = await call<ExperimentVersion>(
      editor.token,
      `/api/experiments/${experiment.id}/versions/3`
    )
    assert.equal(v3.json.yaml, ciYaml)
    assert.equal(v3.json.createdVia, 'ci-deploy')

    assert.equal((await record(ciYaml)).experimentVersion, 3, 'the same manifest, same version')
    assert.equal((await record(v1)).experimentVersion, 1, 'an older version, no new one')
    assert.equal((await record(ui)).experimentVersion, 2)
    assert.equal((await versions(experiment.id)).length, 3)
    assert.equal((await current()).version, 2)

    const updated = await record(ciYaml, true)
    assert.equal(updated.experimentVersion, 4)
    assert.deepEqual([(await current()).version, (await current()).yaml], [4, ciYaml])

    const fresh = await record(manifest('record-new'))
    assert.equal(fresh.experimentVersion, 1, 'a new name creates the experiment')
  })

  test('with the built CLI: the UI edit stays current; --update-experiment makes the run current', async () => {
    const name = 'cli-update'
    const experiment = await create(editor.token, manifest(name))
    const ui = manifest(name, { hypothesis: 'Edited in the UI.' })
    await save(editor.token, experiment.id, ui)
    const ciYaml = manifest(name, { hypothesis: 'Changed in CI.' })
    const runArgs = ['--server', center.url, '--token', ci]

    const plain = await ws.runManifest(name, ciYaml, runArgs)
    assert.equal(plain.exitCode, 0, plain.stderr)
    const runId = /^recorded: \S+\/runs\/(\S+)$/m.exec(plain.stdout)?.[1]
    assert.ok(runId, plain.stdout)
    const recorded = await call<Run>(editor.token, `/api/runs/${runId}`)
    assert.equal(recorded.json.experimentVersion, 3)
    assert.equal(recorded.json.startedByName, 'alice')
    assert.equal(recorded.json.startedVia, 'ci-deploy')
    assert.match(
      plain.stdout,
      /^recorded against version 3 of cli-update; its current version \(2\) is unchanged \(--update-experiment makes this manifest current\)$/m
    )
    const afterPlain = await call<Experiment>(editor.token, `/api/experiments/${experiment.id}`)
    assert.equal(afterPlain.json.version, 2, "the UI's version is still current")
    assert.equal(afterPlain.json.yaml, ui)

    const update = await ws.runManifest(name, ciYaml, [...runArgs, '--update-experiment'])
    assert.equal(update.exitCode, 0, update.stderr)
    assert.doesNotMatch(update.stdout, /recorded against version/)
    const afterUpdate = await call<Experiment>(editor.token, `/api/experiments/${experiment.id}`)
    assert.equal(afterUpdate.json.version, 4)
    assert.equal(afterUpdate.json.yaml, ciYaml)
    const [latest] = (
      await call<RunSummary[]>(editor.token, `/api/runs?experimentId=${experiment.id}&limit=1`)
    ).json
    assert.equal(latest?.experimentVersion, 4)

    const alone = await ws.run(['run', plain.file, '--update-experiment'])
    assert.equal(alone.exitCode, 2)
    assert.match(alone.stderr, /--update-experiment needs --server/)
  })
})

describe('--reset-login while the server runs', () => {
  test('a second `ordeal server --reset-login` issues a link for the running server and exits 0', async () => {
    const r = await runCli(['server', '--reset-login', '--data', center.dataDir, '--port', '0'], {
      timeoutMs: 60_000,
    })
    assert.equal(r.exitCode, 0, r.stderr)
    assert.doesNotMatch(r.stderr, /EADDRINUSE/)
    assert.match(r.stdout, new RegExp(`^Chaos Center: ${center.url}$`, 'm'))
    const link = /^login: (\S+)$/m.exec(r.stdout)?.[1]
    assert.ok(link, r.stdout)
    assert.equal(new URL(link).origin, center.url, "the running server's URL")
    const code = new URL(link).searchParams.get('code') ?? ''
    const login = await apiFetch<LoginResponse>(center.url, '/api/auth/login', {
      method: 'POST',
      body: { code },
    })
    assert.equal(login.status, 200, login.text)
    assert.equal(login.json.user.role, 'owner')
    const health = await apiFetch(center.url, '/api/health')
    assert.equal(health.status, 200, 'the running server is untouched')
  })

  test('a second server on the same data directory refuses to start (exit 3, one line)', async () => {
    const r = await runCli(['server', '--data', center.dataDir, '--port', '0'], {
      timeoutMs: 60_000,
    })
    assert.equal(r.exitCode, 3, r.stdout + r.stderr)
    assert.match(r.stderr, /already running/)
    assert.match(r.stderr, new RegExp(center.url.replace(/[.]/g, '\\.')))
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  })
})

describe('--reset-login while the server runs, on PostgreSQL', () => {
  let postgres: Awaited<ReturnType<typeof startPostgres>>
  let onPostgres: ChaosCenter
  before(async () => {
    postgres = await startPostgres()
    onPostgres = await startChaosCenter({ env: { DATABASE_URL: postgres.url } })
  })
  after(async () => {
    await onPostgres?.dispose()
    await postgres?.stop()
  })

  test('the link is issued through the shared database and works on the running server', async () => {
    const env = { DATABASE_URL: postgres.url }
    const health = await apiFetch<{ store: string }>(onPostgres.url, '/api/health')
    assert.equal(health.json.store, 'postgres')
    const r = await runCli(
      ['server', '--reset-login', '--data', onPostgres.dataDir, '--port', '0'],
      { env, timeoutMs: 60_000 }
    )
    assert.equal(r.exitCode, 0, r.stderr)
    const link = /^login: (\S+)$/m.exec(r.stdout)?.[1]
    assert.ok(link, r.stdout)
    assert.equal(new URL(link).origin, onPostgres.url)
    const login = await apiFetch<LoginResponse>(onPostgres.url, '/api/auth/login', {
      method: 'POST',
      body: { code: new URL(link).searchParams.get('code') ?? '' },
    })
    assert.equal(login.status, 200, login.text)
    assert.equal(login.json.user.role, 'owner')
  })

  test('without its DATABASE_URL, --reset-login is refused (exit 2, one line), no stray SQLite store', async () => {
    const r = await runCli(
      ['server', '--reset-login', '--data', onPostgres.dataDir, '--port', '0'],
      { env: { DATABASE_URL: '' }, timeoutMs: 60_000 }
    )
    assert.equal(r.exitCode, 2, r.stdout + r.stderr)
    assert.match(
      r.stderr,
      /uses postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres, not the SQLite store/
    )
    assert.doesNotMatch(r.stderr, /ordeal-test/, 'no password')
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
    assert.doesNotMatch(r.stdout, /login:/)
    assert.equal(existsSync(path.join(onPostgres.dataDir, 'ordeal.db')), false)
  })

  test('a second server on the same database from another data directory refuses to start', async () => {
    const other = workspace()
    try {
      const r = await runCli(
        ['server', '--reset-login', '--data', path.join(other.dir, 'data'), '--port', '0'],
        { env: { DATABASE_URL: postgres.url }, timeoutMs: 60_000 }
      )
      assert.equal(r.exitCode, 3, r.stdout + r.stderr)
      assert.match(r.stderr, /already running on the database/)
      assert.doesNotMatch(r.stdout, /Chaos Center:/)
      const health = await apiFetch(onPostgres.url, '/api/health')
      assert.equal(health.status, 200, 'the running server is untouched')
    } finally {
      other.cleanup()
    }
  })
})
