/**
 * GitOps (issue 16 §2) against real repositories: a bare repository the test commits and
 * pushes to, served by `git daemon` on 127.0.0.1, synced by a real Chaos Center (in this
 * process, with a ManualClock for the polls) on SQLite and on a real PostgreSQL. The HTTPS
 * token path is tested in git-sources-http.test.ts.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { apiFetch } from '../support/chaos-center.js'
import { ManualClock } from '../support/manual-clock.js'
import { startPostgres, type PostgresServer } from '../support/postgres.js'
import { manifest, serveGitDaemon, TestRepo, type Served } from '../support/git-repos.js'
import { startServer, type RunningServer } from '../../src/server/server.js'
import { webhookSignature } from '../../src/server/git/webhook.js'
import type {
  ApiError,
  Experiment,
  ExperimentSummary,
  ExperimentVersionPage,
  LoginResponse,
  RunSummary,
} from '../../src/shared/api.js'
import type {
  CreatedGitSource,
  GitManifestError,
  GitSourceInfo,
  GitSyncInfo,
} from '../../src/shared/continuous.js'

/** Valid YAML, not a valid manifest: the step's wait on line 14 is not a duration. */
const broken = (name: string) => manifest(name).replace('wait: 100ms', 'wait: banana')

function scenario(label: string, databaseUrl: () => string | undefined) {
  describe(`GitOps on ${label}`, { timeout: 180_000 }, () => {
    let dir: string
    let repo: TestRepo
    let daemon: Served
    let server: RunningServer
    let clock: ManualClock
    let token: string
    let source: CreatedGitSource
    const logs: string[] = []
    const call = <T>(method: string, apiPath: string, body?: unknown) =>
      apiFetch<T>(server.url, apiPath, { token, method, ...(body === undefined ? {} : { body }) })
    const experiment = async (name: string) =>
      (await call<ExperimentSummary[]>('GET', '/api/experiments')).json.find((e) => e.name === name)
    /** Resolves on the next experiment change the sync publishes. */
    const nextChange = () =>
      new Promise<string>((resolve) => {
        const off = server.ctx.changes.subscribe((id) => {
          off()
          resolve(id)
        })
      })
    /** POST a source; it answers at once, the first sync runs after: its outcome too. */
    const addSource = async (body: Record<string, unknown>) => {
      const r = await call<CreatedGitSource>('POST', '/api/git-sources', body)
      assert.equal(r.status, 201, r.text)
      assert.equal(r.json.lastSync, undefined, 'answered before the first sync')
      await server.ctx.gitSources.idle(r.json.id)
      const detail = await call<GitSourceInfo>('GET', `/api/git-sources/${r.json.id}`)
      return { ...r.json, experiments: detail.json.experiments, lastSync: detail.json.lastSync }
    }
    /** Makes the store's statements matching `match` run `instead` (once, or until undone). */
    const patchSql = (
      match: RegExp,
      instead: (run: () => Promise<number>) => Promise<number>
    ): (() => void) => {
      const sql = server.ctx.store.sql as { execute: typeof server.ctx.store.sql.execute }
      const original = sql.execute
      sql.execute = function (text, values) {
        const run = () => original.call(this, text, values)
        return match.test(text) ? instead(run) : run()
      }
      return () => {
        sql.execute = original
      }
    }
    const syncNow = async () => {
      const r = await call<GitSyncInfo>('POST', `/api/git-sources/${source.id}/sync`)
      assert.equal(r.status, 200, r.text)
      return r.json
    }

    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-gitops-'))
      repo = await TestRepo.create(dir)
      await repo.commit(
        {
          'README.md': '# not a manifest\n',
          'chaos/alpha.yaml': manifest('alpha'),
          'chaos/nested/beta.yml': manifest('beta'),
          'other/outside.yaml': manifest('outside'),
        },
        'first'
      )
      daemon = await serveGitDaemon(repo)
      clock = new ManualClock(Date.now())
      const url = databaseUrl()
      server = await startServer({
        dataDir: path.join(dir, 'data'),
        port: 0,
        clock,
        onLog: (line) => logs.push(line),
        ...(url !== undefined ? { databaseUrl: url } : {}),
      })
      const code = new URL(server.loginLink ?? '').searchParams.get('code') ?? ''
      const login = await apiFetch<LoginResponse>(server.url, '/api/auth/login', {
        method: 'POST',
        body: { code },
      })
      token = login.json.token
    })

    after(async () => {
      await server?.close()
      await daemon?.stop()
      rmSync(dir, { recursive: true, force: true })
    })

    test('a source syncs its folder once when added: every manifest under it, nothing else', async () => {
      source = await addSource({
        name: 'platform',
        url: daemon.url,
        folder: 'chaos',
        pollSeconds: 30,
      })
      assert.equal(source.branch, 'main')
      assert.equal(source.auth, 'none')
      assert.match(source.webhookUrl, new RegExp(`/api/git-sources/${source.id}/webhook$`))
      assert.ok(source.webhookSecret.length >= 24)
      assert.equal(source.lastSync?.ok, true, JSON.stringify(source.lastSync))
      assert.equal(source.lastSync?.created, 2)
      assert.deepEqual(source.experiments, ['alpha', 'beta'])
      const alpha = await experiment('alpha')
      const commit = await repoHead()
      assert.deepEqual(alpha?.origin, { source: 'platform', path: 'chaos/alpha.yaml', commit })
      assert.deepEqual((await experiment('beta'))?.origin?.path, 'chaos/nested/beta.yml')
      assert.equal(await experiment('outside'), undefined)
      // The list never shows the webhook secret again.
      const list = await call<GitSourceInfo[]>('GET', '/api/git-sources')
      assert.equal(list.json.length, 1)
      assert.ok(!list.text.includes(source.webhookSecret))
    })

    test('a git-managed experiment is read-only: a UI save or delete is refused with 409', async () => {
      const alpha = (await experiment('alpha'))!
      const put = await call<ApiError>('PUT', `/api/experiments/${alpha.id}`, {
        yaml: manifest('alpha', 'Edited in the UI.'),
      })
      assert.equal(put.status, 409, put.text)
      assert.equal(
        put.json.message,
        'experiment alpha is managed by git source platform (path chaos/alpha.yaml): change it in git'
      )
      const del = await call<ApiError>('DELETE', `/api/experiments/${alpha.id}`)
      assert.equal(del.status, 409, del.text)
      const one = await call<Experiment>('GET', `/api/experiments/${alpha.id}`)
      assert.equal(one.json.origin?.path, 'chaos/alpha.yaml')
      assert.equal(one.json.version, 1)
    })

    test('ordeal run --server --update-experiment of a git-managed experiment is refused', async () => {
      const r = await call<ApiError>('POST', '/api/runs/record', {
        yaml: manifest('alpha', 'From a laptop.'),
        runId: 'run-from-laptop-1',
        updateExperiment: true,
      })
      assert.equal(r.status, 409, r.text)
      assert.match(
        r.json.message,
        /^experiment alpha is managed by git source platform \(path chaos\/alpha\.yaml\): change it in git$/
      )
      assert.equal((await experiment('alpha'))!.version, 1)
    })

    test('a UI edit racing a sync is refused, and the sync wins', async () => {
      const alpha = (await experiment('alpha'))!
      const [edit, sync] = await Promise.all([
        call<ApiError>('PUT', `/api/experiments/${alpha.id}`, {
          yaml: manifest('alpha', 'Racing.'),
        }),
        call<GitSyncInfo>('POST', `/api/git-sources/${source.id}/sync`),
      ])
      assert.equal(edit.status, 409, edit.text)
      assert.equal(sync.status, 200, sync.text)
      assert.equal(
        (await call<Experiment>('GET', `/api/experiments/${alpha.id}`)).json.yaml,
        manifest('alpha')
      )
    })

    test('a UI edit landing while the sync creates the experiment is refused', async () => {
      // The sync is held between creating the experiment and recording it as managed: the
      // window a check-then-write guard would miss.
      let reached!: () => void
      const inWindow = new Promise<void>((resolve) => (reached = resolve))
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const undo = patchSql(/^INSERT INTO git_experiments/, async (run) => {
        reached()
        await released
        return run()
      })
      try {
        await repo.commit({ 'chaos/window.yaml': manifest('window') })
        const sync = syncNow()
        await inWindow
        const made = (await experiment('window'))!
        assert.equal(made.origin, undefined, 'not recorded as managed yet')
        const put = await call<ApiError>('PUT', `/api/experiments/${made.id}`, {
          yaml: manifest('window', 'Sneaked in.'),
        })
        assert.equal(put.status, 409, put.text)
        assert.match(put.json.message, /being created by git source platform: change it in git$/)
        const record = await call<ApiError>('POST', '/api/runs/record', {
          yaml: manifest('window', 'From a laptop.'),
          runId: 'run-in-the-window',
          updateExperiment: true,
        })
        assert.equal(record.status, 409, record.text)
        release()
        assert.equal((await sync).created, 1)
      } finally {
        release()
        undo()
      }
      const window = (await experiment('window'))!
      assert.equal(window.version, 1)
      assert.equal(window.hypothesis, manifest('window').match(/hypothesis: (.*)/)![1])
      await repo.commit({ 'chaos/window.yaml': null })
      assert.equal((await syncNow()).deleted, 1)
    })

    test('the poll picks up a change, an invalid manifest keeps the last good version', async () => {
      const before = (await experiment('beta'))!
      const commit = await repo.commit({
        'chaos/alpha.yaml': manifest('alpha', 'Changed in git.'),
        'chaos/nested/beta.yml': broken('beta'),
        'chaos/gamma.yaml': manifest('gamma'),
      })
      const changed = nextChange()
      await clock.advance(30_000)
      await changed
      const sync = await syncNow()
      assert.equal(sync.ok, true)
      assert.equal(sync.commit, commit)
      const detail = await call<GitSourceInfo & { invalid: GitManifestError[] }>(
        'GET',
        `/api/git-sources/${source.id}`
      )
      assert.equal(detail.json.invalid.length, 1, detail.text)
      const [bad] = detail.json.invalid
      assert.equal(bad!.path, 'chaos/nested/beta.yml')
      assert.equal(bad!.line, 14)
      assert.match(bad!.message, /spec\.steps\[0\]\.wait/)
      const beta = (await experiment('beta'))!
      assert.equal(beta.version, before.version)
      assert.notEqual(beta.origin?.commit, commit)
      const alpha = (await experiment('alpha'))!
      assert.equal(alpha.version, 2)
      assert.equal(alpha.origin?.commit, commit)
      assert.equal(alpha.hypothesis, 'Changed in git.')
      assert.ok(await experiment('gamma'))
      const versions = await call<ExperimentVersionPage>(
        'GET',
        `/api/experiments/${alpha.id}/versions`
      )
      assert.deepEqual(
        versions.json.versions.map((v) => [v.version, v.origin?.commit]),
        [
          [2, commit],
          [1, source.lastSync?.commit],
        ]
      )
      assert.equal(versions.json.versions[0]!.createdVia, 'git source platform')
      const one = await call<{ origin?: { commit: string } }>(
        'GET',
        `/api/experiments/${alpha.id}/versions/2`
      )
      assert.equal(one.json.origin?.commit, commit)
    })

    test('a commit with an invalid manifest deletes nothing: a rename to a broken file keeps the experiment', async () => {
      const gamma = (await experiment('gamma'))!
      // beta.yml is still broken; gamma moves to a file that does not load; a huge file.
      await repo.commit({
        'chaos/gamma.yaml': null,
        'chaos/renamed.yaml': broken('gamma'),
        'chaos/huge.yaml': `${manifest('huge')}#${'x'.repeat(300 * 1024)}\n`,
      })
      const sync = await syncNow()
      assert.equal(sync.ok, true, sync.error)
      assert.equal(sync.deleted, 0, JSON.stringify(sync))
      const wait = sync.invalid.find((e) => e.path === 'chaos/gamma.yaml')
      assert.equal(
        wait?.message,
        'removed from git; deletions wait: 3 manifest(s) invalid in this commit'
      )
      const huge = sync.invalid.find((e) => e.path === 'chaos/huge.yaml')
      assert.match(huge?.message ?? '', /^301 KiB, larger than the limit of 256 KiB .*not read/)
      assert.equal((await experiment('gamma'))?.id, gamma.id)
      // Fixed in git: beta loads again, gamma is back where it was, the huge file goes.
      await repo.commit({
        'chaos/gamma.yaml': manifest('gamma'),
        'chaos/renamed.yaml': null,
        'chaos/huge.yaml': null,
        'chaos/nested/beta.yml': manifest('beta'),
      })
      const fixed = await syncNow()
      assert.deepEqual(fixed.invalid, [])
      assert.equal((await experiment('gamma'))?.id, gamma.id)
    })

    test('a sync with nothing new adds no version; requests during a sync share one more after it', async () => {
      // The first sync is held at its end (recording its outcome), after its fetch.
      let release!: () => void
      const released = new Promise<void>((resolve) => (release = resolve))
      const undo = patchSql(/^UPDATE git_sources SET last_sync/, async (run) => {
        await released
        return run()
      })
      const first = server.ctx.gitSources.sync(source.id, 'test')
      // A push lands while the first sync runs.
      const commit = await repo.commit({ 'chaos/pushed.yaml': manifest('pushed') })
      const second = server.ctx.gitSources.sync(source.id, 'webhook')
      const third = server.ctx.gitSources.sync(source.id, 'webhook')
      release()
      undo()
      assert.equal(third, second)
      assert.notEqual(second, first)
      const one = (await first)!
      assert.equal(one.ok, true)
      assert.equal(one.updated + one.deleted, 0)
      assert.equal((await experiment('alpha'))!.version, 2)
      const after = (await second)!
      assert.equal(after.commit, commit, 'the follow-up sync saw the push')
      assert.ok(await experiment('pushed'))
      await repo.commit({ 'chaos/pushed.yaml': null })
      const gone = await syncNow()
      assert.equal(gone.deleted, 1)
      assert.equal(gone.unchanged, 3)
    })

    test('a store error during a sync is logged and recorded; the server lives and polls on', async () => {
      // The row read fails (PostgreSQL restarting): nothing to record it in, but the poll
      // is armed again with the source's interval.
      const failRead = (() => {
        const sql = server.ctx.store.sql as { query: typeof server.ctx.store.sql.query }
        const original = sql.query
        let once = true
        sql.query = function <R extends object>(text: string, values?: readonly unknown[]) {
          if (once && /^SELECT \* FROM git_sources WHERE id/.test(text)) {
            once = false
            return Promise.reject(new Error('connection terminated unexpectedly'))
          }
          return original.call(this, text, values) as Promise<R[]>
        }
        return () => {
          sql.query = original
        }
      })()
      try {
        const failed = (await server.ctx.gitSources.sync(source.id, 'test'))!
        assert.equal(failed.ok, false)
        assert.equal(failed.error, 'connection terminated unexpectedly')
      } finally {
        failRead()
      }
      assert.ok(
        logs.some((l) => l.endsWith('sync failed (test): connection terminated unexpectedly')),
        logs.filter((l) => l.startsWith('git source')).join('\n')
      )
      const polled = logs.length
      await clock.advance(30_000)
      await server.ctx.gitSources.idle(source.id)
      assert.ok(
        logs.slice(polled).some((l) => /^git source platform: synced \w+ \(poll\)/.test(l)),
        logs.slice(polled).join('\n')
      )
      // Recording the outcome fails: the sync still resolves, in one line.
      const undo = patchSql(/^UPDATE git_sources SET last_sync/, () =>
        Promise.reject(new Error('the database system is shutting down'))
      )
      try {
        const failed = (await server.ctx.gitSources.sync(source.id, 'test'))!
        assert.equal(failed.error, 'the database system is shutting down')
      } finally {
        undo()
      }
      assert.equal((await syncNow()).ok, true)
    })

    test('a sync failing halfway still publishes what it created', async () => {
      await repo.commit({ 'chaos/half.yaml': manifest('half') })
      const changed = nextChange()
      const undo = patchSql(/^INSERT INTO git_versions/, () =>
        Promise.reject(new Error('deadlock detected'))
      )
      let failed
      try {
        failed = (await server.ctx.gitSources.sync(source.id, 'test'))!
      } finally {
        undo()
      }
      assert.equal(failed.ok, false)
      assert.equal(await changed, (await experiment('half'))!.id)
      await repo.commit({ 'chaos/half.yaml': null })
      assert.equal((await syncNow()).deleted, 1)
    })

    test('a name used by an experiment made in the UI is reported, nothing overwritten', async () => {
      const ui = await call<Experiment>('POST', '/api/experiments', {
        yaml: manifest('delta', 'Mine.'),
      })
      assert.equal(ui.status, 201, ui.text)
      await repo.commit({ 'chaos/delta.yaml': manifest('delta', 'From git.') })
      const sync = await syncNow()
      const bad = sync.invalid.find((e) => e.path === 'chaos/delta.yaml')
      assert.match(
        bad?.message ?? '',
        /experiment delta already exists and is not managed by git source platform/
      )
      const delta = (await call<Experiment>('GET', `/api/experiments/${ui.json.id}`)).json
      assert.equal(delta.hypothesis, 'Mine.')
      assert.equal(delta.origin, undefined)
      await repo.commit({ 'chaos/delta.yaml': null })
      await syncNow()
    })

    test('a renamed file keeps its experiment (same id, the path moves, no new version)', async () => {
      const before = (await experiment('gamma'))!
      const commit = await repo.rename('chaos/gamma.yaml', 'chaos/moved/gamma.yaml')
      const sync = await syncNow()
      assert.equal(sync.deleted, 0, JSON.stringify(sync))
      assert.equal(sync.created, 0)
      const after = (await experiment('gamma'))!
      assert.equal(after.id, before.id)
      assert.equal(after.version, before.version)
      assert.equal(after.origin?.path, 'chaos/moved/gamma.yaml')
      assert.equal(sync.commit, commit)
    })

    test('a force-push replaces the branch: the sync follows the rewritten history', async () => {
      const first = (await call<GitSourceInfo>('GET', `/api/git-sources/${source.id}`)).json
      const base = await repoHead()
      const rewritten = await repo.forcePush(`${base}~1`, {
        'chaos/alpha.yaml': manifest('alpha', 'Rewritten history.'),
      })
      const sync = await syncNow()
      assert.equal(sync.ok, true, sync.error)
      assert.equal(sync.commit, rewritten)
      assert.notEqual(sync.commit, first.lastSync?.commit)
      assert.equal((await experiment('alpha'))!.hypothesis, 'Rewritten history.')
      // The rewritten history has gamma at its old path again (the rename was dropped).
      assert.equal((await experiment('gamma'))!.origin?.path, 'chaos/gamma.yaml')
    })

    test('a deleted file deletes its experiment', async () => {
      const gamma = (await experiment('gamma'))!
      const changed = nextChange()
      await repo.commit({ 'chaos/gamma.yaml': null })
      const sync = await syncNow()
      assert.equal(await changed, gamma.id)
      assert.equal(sync.deleted, 1)
      assert.equal(await experiment('gamma'), undefined)
    })

    test('a file removed while a run of it waits for its agent: kept until the run ends', async () => {
      await repo.commit({ 'chaos/queued.yaml': manifest('queued') })
      await syncNow()
      const queued = (await experiment('queued'))!
      const run = await server.ctx.store.createRun({
        id: 'run-queued-on-agent',
        experimentId: queued.id,
        experimentVersion: queued.version,
        source: 'agent',
        startedBy: 'u1',
        startedByName: 'tester',
        startedAt: new Date().toISOString(),
        status: 'queued',
        placement: { agent: 'nowhere' },
      })
      await repo.commit({ 'chaos/queued.yaml': null })
      const kept = await syncNow()
      assert.equal(kept.deleted, 0)
      assert.match(
        kept.invalid.find((e) => e.path === 'chaos/queued.yaml')?.message ?? '',
        new RegExp(`has a queued run \\(${run.id}\\): deleted at a later sync`)
      )
      assert.ok(
        await server.ctx.store.endQueued(run.id, {
          status: 'cancelled',
          verdict: 'error',
          score: 0,
          endedAt: new Date().toISOString(),
        })
      )
      assert.equal((await syncNow()).deleted, 1)
    })

    test('a file removed while its experiment runs: kept, reported, deleted at the next sync', async () => {
      await repo.commit({ 'chaos/long.yaml': manifest('long').replace('wait: 100ms', 'wait: 10m') })
      await syncNow()
      const long = (await experiment('long'))!
      const r = await call<RunSummary>('POST', '/api/runs', { experimentId: long.id })
      assert.equal(r.status, 201, r.text)
      assert.equal(r.json.status, 'running')
      await repo.commit({ 'chaos/long.yaml': null })
      const kept = await syncNow()
      assert.equal(kept.deleted, 0)
      const why = kept.invalid.find((e) => e.path === 'chaos/long.yaml')
      assert.match(
        why?.message ?? '',
        new RegExp(`has a running run \\(${r.json.id}\\): deleted at a later sync`)
      )
      assert.ok(await experiment('long'))
      const ended = new Promise<void>((resolve) => {
        const off = server.ctx.runEnded.subscribe((run) => {
          if (run.id === r.json.id) {
            off()
            resolve()
          }
        })
      })
      assert.equal((await call('POST', `/api/runs/${r.json.id}/abort`)).status, 200)
      await ended
      const gone = await syncNow()
      assert.equal(gone.deleted, 1)
      assert.equal(
        gone.invalid.find((e) => e.path === 'chaos/long.yaml'),
        undefined
      )
      assert.equal(await experiment('long'), undefined)
    })

    test('the push webhook: a bad signature gets 401, a good one 202 and a sync', async () => {
      const body = JSON.stringify({ ref: 'refs/heads/main', after: 'x' })
      const post = (headers: Record<string, string>) =>
        fetch(`${server.url}/api/git-sources/${source.id}/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        })
      const none = await post({})
      assert.equal(none.status, 401)
      const bad = await post({
        'x-hub-signature-256': webhookSignature('wrong', Buffer.from(body)),
      })
      assert.equal(bad.status, 401)
      assert.match(((await bad.json()) as ApiError).message, /signature does not match/)
      const badGitlab = await post({ 'x-gitlab-token': 'wrong' })
      assert.equal(badGitlab.status, 401)
      const unknown = await fetch(`${server.url}/api/git-sources/git-nope/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-gitlab-token': source.webhookSecret },
        body,
      })
      assert.equal(unknown.status, 401)
      // The route is public: a body larger than a push event is refused before any check.
      const huge = Buffer.alloc(300 * 1024, 0x20)
      const tooBig = await fetch(`${server.url}/api/git-sources/${source.id}/webhook`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': webhookSignature(source.webhookSecret, huge),
        },
        body: huge,
      })
      assert.equal(tooBig.status, 413)

      const commit = await repo.commit({ 'chaos/epsilon.yaml': manifest('epsilon') })
      const changed = nextChange()
      const good = await post({
        'x-hub-signature-256': webhookSignature(source.webhookSecret, Buffer.from(body)),
      })
      assert.equal(good.status, 202, await good.text())
      await changed
      assert.equal((await experiment('epsilon'))?.origin?.commit, commit)
      const gitlab = await post({ 'x-gitlab-token': source.webhookSecret })
      assert.equal(gitlab.status, 202)
      await syncNow()
    })

    test('a run of a synced experiment records the commit it ran', async () => {
      const alpha = (await experiment('alpha'))!
      const r = await call<RunSummary>('POST', '/api/runs', { experimentId: alpha.id })
      assert.equal(r.status, 201, r.text)
      const run = await call<RunSummary & { origin?: unknown }>('GET', `/api/runs/${r.json.id}`)
      assert.deepEqual(run.json.origin, {
        source: 'platform',
        path: 'chaos/alpha.yaml',
        commit: alpha.origin!.commit,
      })
    })

    test('a sync that cannot fetch is recorded in one line; the experiments stay', async () => {
      const typo = await addSource({ name: 'typo', url: daemon.url, branch: 'no-such-branch' })
      assert.equal(typo.lastSync?.ok, false)
      assert.match(typo.lastSync?.error ?? '', /^git fetch: fatal: .*no-such-branch/)
      assert.ok(!typo.lastSync!.error!.includes('\n'))
      assert.ok((await experiment('alpha'))!.origin)
      // A webhook or poll arriving while the source is removed starts no sync: nothing
      // applied for a deleted source, no mirror fetched back after it was removed.
      const running = server.ctx.gitSources.sync(typo.id, 'test')
      const removing = server.ctx.gitSources.remove(typo.id)
      assert.equal(await server.ctx.gitSources.sync(typo.id, 'webhook'), undefined)
      await running
      assert.equal(await removing, true)
      assert.equal(existsSync(path.join(dir, 'data', 'git', typo.id)), false)
      assert.equal((await call('GET', `/api/git-sources/${typo.id}`)).status, 404)
    })

    test('bad input: 400 naming the field', async () => {
      for (const [body, field] of [
        [{ name: 'x', url: '-uhoh' }, 'body.url'],
        [{ name: 'x', url: 'ext::sh -c id' }, 'body.url'],
        [{ name: 'x', url: daemon.url, branch: '../x' }, 'body.branch'],
        [{ name: 'x', url: daemon.url, folder: '../up' }, 'body.folder'],
        [{ name: 'x', url: daemon.url, pollSeconds: 5 }, 'body.pollSeconds'],
        [{ name: 'x', url: daemon.url, token: 'abc' }, 'body.token'],
        [{ name: 'x', url: daemon.url, sshKey: 'not a key' }, 'body.sshKey'],
        [{ name: 'x', url: path.join(dir, 'data', 'git', source.id) }, 'body.url'],
        [{ name: 'x', url: `file://${path.join(dir, 'data')}` }, 'body.url'],
        [{ name: 'x', url: 'http://example.com/r.git', token: 'abcdef' }, 'body.url'],
        [{ name: 'platform', url: daemon.url }, 'platform'],
      ] as const) {
        const r = await call<ApiError>('POST', '/api/git-sources', body)
        assert.ok(r.status === 400 || r.status === 409, r.text)
        assert.ok(r.json.message.startsWith(field) || r.json.message.includes(field), r.text)
        assert.ok(!r.json.message.includes('\n'))
      }
    })

    test('a restarted server syncs each source once at start (a push made while it was down)', async () => {
      await server.close()
      const commit = await repo.commit({ 'chaos/zeta.yaml': manifest('zeta') })
      clock = new ManualClock(Date.now())
      const url = databaseUrl()
      server = await startServer({
        dataDir: path.join(dir, 'data'),
        port: 0,
        clock,
        onLog: (line) => logs.push(line),
        ...(url !== undefined ? { databaseUrl: url } : {}),
      })
      // Joins the start sync if it is still going; either way it has been logged by now.
      await syncNow()
      assert.ok(
        logs.some((l) =>
          l.startsWith(`git source platform: synced ${commit.slice(0, 12)} (start)`)
        ),
        logs.filter((l) => l.startsWith('git source')).join('\n')
      )
      assert.equal((await experiment('zeta'))?.origin?.commit, commit)
    })

    test('removing the source stops managing: the experiments stay and are editable', async () => {
      const alpha = (await experiment('alpha'))!
      assert.equal((await call('DELETE', `/api/git-sources/${source.id}`)).status, 204)
      assert.equal((await call('GET', `/api/git-sources/${source.id}`)).status, 404)
      const after = (await experiment('alpha'))!
      assert.equal(after.origin, undefined)
      const put = await call<Experiment>('PUT', `/api/experiments/${alpha.id}`, {
        yaml: manifest('alpha', 'Edited in the UI at last.'),
      })
      assert.equal(put.status, 200, put.text)
      // The polls stopped with it.
      await clock.advance(120_000)
      assert.equal((await experiment('alpha'))!.hypothesis, 'Edited in the UI at last.')
      assert.ok(!logs.some((l) => l.includes(source.webhookSecret)))
    })

    test('a source added again under its name takes back what it wrote, never what was edited since', async () => {
      const epsilon = (await experiment('epsilon'))!
      const alpha = (await experiment('alpha'))!
      const again = await addSource({ name: 'platform', url: daemon.url, folder: 'chaos' })
      assert.equal(again.lastSync?.ok, true)
      assert.equal(again.lastSync?.created, 0, JSON.stringify(again.lastSync))
      const back = (await experiment('epsilon'))!
      assert.equal(back.id, epsilon.id)
      assert.equal(back.origin?.source, 'platform')
      // alpha was saved from the UI once free: it stays the UI's.
      const bad = again.lastSync?.invalid.find((e) => e.path === 'chaos/alpha.yaml')
      assert.match(bad?.message ?? '', /experiment alpha already exists and is not managed/)
      const still = (await experiment('alpha'))!
      assert.equal(still.id, alpha.id)
      assert.equal(still.origin, undefined)
      assert.equal(still.hypothesis, 'Edited in the UI at last.')
    })

    async function repoHead(): Promise<string> {
      const { git } = await import('../support/git-repos.js')
      return git(repo.work, 'rev-parse', 'HEAD')
    }
  })
}

scenario('SQLite', () => undefined)

let postgres: PostgresServer | undefined
let postgresUrl: string | undefined
before(async () => {
  postgres = await startPostgres()
  const client = new pg.Client({ connectionString: postgres.url })
  await client.connect()
  await client.query('CREATE DATABASE ordeal_gitops')
  await client.end()
  const url = new URL(postgres.url)
  url.pathname = '/ordeal_gitops'
  postgresUrl = url.toString()
})
after(async () => {
  await postgres?.stop()
})
scenario('PostgreSQL', () => postgresUrl)
