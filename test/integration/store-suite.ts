/**
 * One test suite for every Store implementation: the contract in
 * `src/server/store/contract.ts` is what the API relies on, so SQLite and PostgreSQL must pass
 * exactly the same tests. `test/integration/store.test.ts` runs it once per dialect.
 * @module
 */
import { afterEach, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { JournalEvent, RunResult, User } from '../../src/shared/api.js'
import { StoreConflictError } from '../../src/server/store/contract.js'
import type {
  NewExperiment,
  NewRun,
  NewToken,
  RunEnd,
  Store,
} from '../../src/server/store/contract.js'
import { MIGRATIONS } from '../../src/server/store/migrations.js'
import { ingestProperty } from './store-ingest.js'
import { agentStoreTests } from './store-agents.js'
import { CONTINUOUS_TABLES } from '../../src/server/store/migrations/continuous.js'

const DROP_CONTINUOUS = CONTINUOUS_TABLES.map((t) => `DROP TABLE ${t};`).join(' ')

export interface StoreFixture {
  store: Store
  /** Opens another store on the same database (data survives close and reopen). */
  reopen(): Promise<Store>
  /** The versions recorded in schema_migrations, read around the store. */
  appliedMigrations(): Promise<number[]>
  /** Runs SQL (several statements, no parameters) on the database, around the store. */
  exec(sql: string): Promise<void>
  /** Closes every store it opened and removes the database. */
  cleanup(): Promise<void>
}

const T0 = Date.UTC(2025, 0, 1)
/** An ISO time `seconds` after a fixed origin: tests control ordering exactly. */
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()

const user = (id: string, role: User['role'] = 'owner'): User => ({
  id,
  name: `name of ${id}`,
  role,
  createdAt: at(0),
})

const token = (id: string, userId: string, extra: Partial<NewToken> = {}): NewToken => ({
  id,
  name: `token ${id}`,
  userId,
  role: 'editor',
  hash: `hash-${id}`,
  createdAt: at(1),
  ...extra,
})

const experiment = (id: string, name = `experiment ${id}`): NewExperiment => ({
  id,
  name,
  hypothesis: `${name} survives`,
  yaml: `name: ${name}\n`,
  createdBy: 'u1',
  createdByName: 'alice',
  labels: {},
  createdAt: at(10),
})

const newRun = (id: string, experimentId: string, startedAt = at(100)): NewRun => ({
  id,
  experimentId,
  experimentVersion: 1,
  source: 'server',
  startedBy: 'u1',
  startedByName: 'alice',
  startedAt,
})

/** Three kinds of events; warnings carry quotes, a backslash and non-ASCII on purpose. */
function event(seq: number): JournalEvent {
  const t = T0 + seq
  switch (seq % 3) {
    case 1:
      return {
        type: 'op',
        stepId: 'load',
        op: { seq, process: 0, type: 'invoke', f: 'POST /orders', time: t + 0.25 },
        seq,
        t,
      }
    case 2:
      return { type: 'run.warning', message: `warning ${seq}: "quoted" \\ ünïcode ✓`, seq, t }
    default:
      return { type: 'step.started', stepId: `step-${seq}`, seq, t }
  }
}

const events = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => event(from + i))

function result(runId: string): RunResult {
  return {
    runId,
    experiment: 'experiment e1',
    hypothesis: 'it survives',
    verdict: 'fail',
    reason: 'probe "orders" failed',
    resilienceScore: 66.66,
    startedAt: at(100),
    endedAt: at(160),
    steps: [
      {
        id: 's1',
        name: 'kill',
        kind: 'fault',
        path: '0',
        weight: 10,
        scored: true,
        score: 66.66,
        status: 'ok',
      },
    ],
    probes: [],
    checks: [],
    faults: [],
    loads: [],
  }
}

const end = (runId: string, score = 66.66): RunEnd => ({
  status: 'finished',
  verdict: 'fail',
  score,
  reason: 'probe "orders" failed',
  endedAt: at(160),
  result: result(runId),
})

async function rejectsConflict(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StoreConflictError, `not a StoreConflictError: ${String(err)}`)
    return true
  })
}

export function storeSuite(name: string, open: () => Promise<StoreFixture>): void {
  describe(name, () => {
    let fixture: StoreFixture
    let store: Store

    beforeEach(async () => {
      fixture = await open()
      store = fixture.store
    })
    afterEach(async () => {
      await fixture.cleanup()
    })

    /** An experiment `e1` with one run `r1` per given start second. */
    async function withRuns(starts: number[], experimentId = 'e1'): Promise<string[]> {
      if ((await store.getExperiment(experimentId)) === undefined) {
        await store.createExperiment(experiment(experimentId))
      }
      const ids: string[] = []
      for (const [i, start] of starts.entries()) {
        const id = `${experimentId}-run-${String(i).padStart(3, '0')}`
        await store.createRun(newRun(id, experimentId, at(start)))
        ids.push(id)
      }
      return ids
    }

    describe('users', () => {
      it('creates, reads, lists, counts, changes the role of and deletes users', async () => {
        assert.equal(await store.countUsers(), 0)
        assert.deepEqual(await store.createUser(user('u1')), user('u1'))
        await store.createUser({ ...user('u2', 'viewer'), createdAt: at(5) })
        assert.deepEqual(await store.getUser('u1'), user('u1'))
        assert.equal(await store.getUser('nobody'), undefined)
        assert.equal(await store.countUsers(), 2)
        assert.deepEqual(
          (await store.listUsers()).map((u) => u.id),
          ['u1', 'u2']
        )

        assert.deepEqual(await store.updateUserRole('u2', 'editor'), {
          ...user('u2', 'editor'),
          createdAt: at(5),
        })
        assert.equal((await store.getUser('u2'))?.role, 'editor')
        assert.equal(await store.updateUserRole('nobody', 'owner'), undefined)

        assert.equal(await store.deleteUser('u2'), true)
        assert.equal(await store.deleteUser('u2'), false)
        assert.equal(await store.getUser('u2'), undefined)
        assert.equal(await store.countUsers(), 1)
      })

      it('refuses a second user with the same id', async () => {
        await store.createUser(user('u1'))
        await rejectsConflict(store.createUser(user('u1')))
      })

      it("deleting a user deletes the user's tokens", async () => {
        await store.createUser(user('u1'))
        await store.createUser(user('u2'))
        await store.createToken(token('t1', 'u1'))
        await store.createToken(token('t2', 'u2'))
        await store.deleteUser('u1')
        assert.equal(await store.findToken('hash-t1', at(2)), undefined)
        assert.deepEqual(
          (await store.listTokens()).map((t) => t.id),
          ['t2']
        )
      })
    })

    describe('tokens', () => {
      beforeEach(async () => {
        await store.createUser(user('u1'))
      })

      it('finds a token by its hash, with its user', async () => {
        const created = await store.createToken(token('t1', 'u1'))
        assert.deepEqual(created, {
          id: 't1',
          name: 'token t1',
          userId: 'u1',
          role: 'editor',
          createdAt: at(1),
        })
        assert.deepEqual(await store.findToken('hash-t1', at(2)), {
          ...created,
          hash: 'hash-t1',
          oneTime: false,
          session: false,
          user: user('u1'),
        })
        assert.equal(await store.findToken('hash-other', at(2)), undefined)
      })

      it('does not find an expired token', async () => {
        await store.createToken(token('old', 'u1', { expiresAt: at(60) }))
        await store.createToken(token('new', 'u1', { expiresAt: at(600) }))
        assert.equal(await store.findToken('hash-old', at(60)), undefined, 'expires at that time')
        assert.equal(await store.findToken('hash-old', at(61)), undefined)
        assert.equal((await store.findToken('hash-old', at(59)))?.id, 'old')
        assert.equal((await store.findToken('hash-new', at(61)))?.expiresAt, at(600))
      })

      it('stores the one-time flag (and leaves login codes out of listings)', async () => {
        await store.createToken(token('code', 'u1', { oneTime: true }))
        await store.createToken(token('api', 'u1'))
        assert.equal((await store.findToken('hash-code', at(2)))?.oneTime, true)
        assert.equal((await store.findToken('hash-api', at(2)))?.oneTime, false)
        assert.deepEqual(
          (await store.listTokens('u1')).map((t) => t.id),
          ['api']
        )
      })

      it('marks sessions by how they were made, never by their name', async () => {
        await store.createToken(token('s', 'u1', { session: true, name: 'browser' }))
        await store.createToken(token('api', 'u1', { name: 'session 2026-12-07' }))
        assert.equal((await store.findToken('hash-s', at(2)))?.session, true)
        assert.equal((await store.findToken('hash-api', at(2)))?.session, false)
      })

      it('refuses a hash already in use', async () => {
        await store.createToken(token('t1', 'u1'))
        await rejectsConflict(store.createToken(token('t2', 'u1', { hash: 'hash-t1' })))
      })

      it('touchToken records the last use', async () => {
        await store.createToken(token('t1', 'u1'))
        await store.touchToken('t1', at(30))
        assert.equal((await store.findToken('hash-t1', at(31)))?.lastUsedAt, at(30))
        assert.equal((await store.listTokens())[0]?.lastUsedAt, at(30))
      })

      it('deletes only the unused login codes of one user', async () => {
        await store.createUser(user('u2'))
        await store.createToken(token('t1', 'u1'))
        await store.createToken(token('c1', 'u1', { oneTime: true }))
        await store.createToken(token('c2', 'u1', { oneTime: true }))
        await store.createToken(token('c3', 'u2', { oneTime: true }))
        assert.equal(await store.deleteLoginCodes('u1'), 2)
        assert.equal(await store.findToken('hash-c1', at(4)), undefined)
        assert.equal(await store.findToken('hash-c2', at(4)), undefined)
        assert.equal((await store.findToken('hash-c3', at(4)))?.oneTime, true)
        assert.equal((await store.findToken('hash-t1', at(4)))?.id, 't1')
        assert.equal(await store.deleteLoginCodes('u1'), 0)
      })

      it("deletes every token of a user (API, session, unused codes), nobody else's", async () => {
        await store.createUser(user('u2'))
        await store.createToken(token('t1', 'u1'))
        await store.createToken(token('c1', 'u1', { oneTime: true }))
        await store.createToken(token('t2', 'u2'))
        assert.equal(await store.deleteUserTokens('u1'), 2)
        assert.equal(await store.findToken('hash-t1', at(4)), undefined)
        assert.equal(await store.findToken('hash-c1', at(4)), undefined)
        assert.equal((await store.findToken('hash-t2', at(4)))?.id, 't2')
        assert.equal(await store.deleteUserTokens('u1'), 0)
        assert.ok(await store.getUser('u1'), 'the user stays')
      })

      it('lists tokens, all or per user, and deletes them', async () => {
        await store.createUser(user('u2'))
        await store.createToken(token('t1', 'u1'))
        await store.createToken(token('t2', 'u2', { createdAt: at(2) }))
        await store.createToken(token('t3', 'u1', { createdAt: at(3) }))
        assert.deepEqual(
          (await store.listTokens()).map((t) => t.id),
          ['t1', 't2', 't3']
        )
        assert.deepEqual(
          (await store.listTokens('u1')).map((t) => t.id),
          ['t1', 't3']
        )
        assert.equal(await store.deleteToken('t1'), true)
        assert.equal(await store.deleteToken('t1'), false)
        assert.equal(await store.findToken('hash-t1', at(4)), undefined)
      })
    })

    describe('experiments', () => {
      it('creates version 1', async () => {
        const created = await store.createExperiment(experiment('e1'))
        assert.deepEqual(created, {
          id: 'e1',
          name: 'experiment e1',
          hypothesis: 'experiment e1 survives',
          version: 1,
          createdAt: at(10),
          updatedAt: at(10),
          createdBy: 'u1',
          createdByName: 'alice',
          labels: {},
          runningRuns: 0,
          recentScores: [],
          yaml: 'name: experiment e1\n',
        })
        assert.deepEqual(await store.getExperiment('e1'), created)
        assert.equal(await store.getExperiment('nope'), undefined)
        assert.deepEqual(await store.listExperimentVersions('e1'), [
          {
            experimentId: 'e1',
            version: 1,
            createdAt: at(10),
            createdBy: 'u1',
            createdByName: 'alice',
          },
        ])
      })

      it('refuses a duplicate name, leaving nothing behind', async () => {
        await store.createExperiment(experiment('e1', 'same'))
        await rejectsConflict(store.createExperiment(experiment('e2', 'same')))
        assert.equal(await store.getExperiment('e2'), undefined)
        assert.deepEqual(await store.listExperimentVersions('e2'), [])
        assert.equal((await store.listExperiments()).length, 1)
      })

      it('an update adds version 2 and keeps version 1 readable', async () => {
        await store.createExperiment(experiment('e1'))
        const updated = await store.updateExperiment('e1', {
          name: 'renamed',
          hypothesis: 'still survives',
          yaml: 'name: renamed\n',
          createdBy: 'u2',
          createdByName: 'bob',
          createdVia: 'ci-deploy',
          labels: { team: 'payments' },
          createdAt: at(20),
        })
        assert.deepEqual(updated, {
          id: 'e1',
          name: 'renamed',
          hypothesis: 'still survives',
          version: 2,
          createdAt: at(10),
          updatedAt: at(20),
          createdBy: 'u1',
          createdByName: 'alice',
          labels: { team: 'payments' },
          runningRuns: 0,
          recentScores: [],
          yaml: 'name: renamed\n',
        })
        assert.deepEqual(await store.getExperiment('e1'), updated)
        assert.equal((await store.getExperimentVersion('e1', 1))?.yaml, 'name: experiment e1\n')
        assert.deepEqual(await store.getExperimentVersion('e1', 2), {
          experimentId: 'e1',
          version: 2,
          yaml: 'name: renamed\n',
          createdAt: at(20),
          createdBy: 'u2',
          createdByName: 'bob',
          createdVia: 'ci-deploy',
        })
        assert.equal(await store.getExperimentVersion('e1', 3), undefined)
        assert.deepEqual(
          (await store.listExperimentVersions('e1')).map((v) => v.version),
          [2, 1]
        )
        const missing = await store.updateExperiment('nope', { ...experiment('x') })
        assert.equal(missing, undefined)
      })

      it('versions page newest first by keyset, without their YAML', async () => {
        await store.createExperiment(experiment('e1'))
        for (let v = 2; v <= 7; v++) {
          await store.updateExperiment('e1', { ...experiment('e1'), yaml: `v${v}\n` })
        }
        const page = async (query: { limit?: number; before?: number }) =>
          (await store.listExperimentVersions('e1', query)).map((v) => v.version)
        assert.deepEqual(await page({}), [7, 6, 5, 4, 3, 2, 1])
        assert.deepEqual(await page({ limit: 3 }), [7, 6, 5])
        assert.deepEqual(await page({ limit: 3, before: 5 }), [4, 3, 2])
        assert.deepEqual(await page({ limit: 3, before: 2 }), [1])
        assert.deepEqual(await page({ before: 1 }), [])
        const [newest] = await store.listExperimentVersions('e1', { limit: 1 })
        assert.equal('yaml' in newest!, false)
      })

      it('a stale expectedVersion is a conflict and changes nothing', async () => {
        await store.createExperiment(experiment('e1'))
        const update = { ...experiment('e1'), yaml: 'v2\n', createdAt: at(20) }
        assert.equal(
          (await store.updateExperiment('e1', { ...update, expectedVersion: 1 }))?.version,
          2
        )
        await rejectsConflict(
          store.updateExperiment('e1', { ...update, yaml: 'v3\n', expectedVersion: 1 })
        )
        const current = await store.getExperiment('e1')
        assert.equal(current?.version, 2)
        assert.equal(current.yaml, 'v2\n')
        assert.equal((await store.listExperimentVersions('e1')).length, 2)
      })

      it('of two concurrent updates expecting the same version, exactly one wins', async () => {
        await store.createExperiment(experiment('e1'))
        const update = (yaml: string) =>
          store.updateExperiment('e1', { ...experiment('e1'), yaml, expectedVersion: 1 })
        const outcomes = await Promise.allSettled([update('a\n'), update('b\n')])
        assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected'])
        const rejected = outcomes.find((o) => o.status === 'rejected')
        assert.ok(rejected?.reason instanceof StoreConflictError)
        assert.equal((await store.getExperiment('e1'))?.version, 2)
      })

      it('renaming to a taken name is a conflict and adds no version', async () => {
        await store.createExperiment(experiment('e1', 'first'))
        await store.createExperiment(experiment('e2', 'second'))
        await rejectsConflict(
          store.updateExperiment('e2', { ...experiment('e2', 'first'), createdAt: at(20) })
        )
        const e2 = await store.getExperiment('e2')
        assert.equal(e2?.name, 'second')
        assert.equal(e2.version, 1)
        assert.deepEqual(
          (await store.listExperimentVersions('e2')).map((v) => v.version),
          [1]
        )
      })

      it('getExperimentByName follows renames', async () => {
        await store.createExperiment(experiment('e1', 'before'))
        assert.equal((await store.getExperimentByName('before'))?.id, 'e1')
        await store.updateExperiment('e1', { ...experiment('e1', 'after') })
        assert.equal(await store.getExperimentByName('before'), undefined)
        assert.deepEqual(await store.getExperimentByName('after'), await store.getExperiment('e1'))
      })

      it('lists by name, with the last run and the 20 most recent scores, oldest first', async () => {
        await store.createExperiment(experiment('eb', 'bravo'))
        await store.createExperiment(experiment('ea', 'alpha'))
        await store.createExperiment(experiment('ec', 'Charlie'))
        const starts = Array.from({ length: 25 }, (_, i) => 100 + i)
        const ids = await withRuns(starts, 'ea')
        for (const [i, id] of ids.slice(0, 24).entries()) {
          await store.finishRun(id, end(id, i))
        }
        const [b1] = await withRuns([50], 'eb')
        await store.finishRun(b1 ?? '', { ...end(b1 ?? ''), verdict: 'pass', score: 100 })

        const list = await store.listExperiments()
        assert.deepEqual(
          list.map((e) => e.name),
          ['Charlie', 'alpha', 'bravo'],
          'byte order, as both stores sort'
        )
        const [charlie, alpha, bravo] = list
        assert.deepEqual(charlie?.recentScores, [])
        assert.equal(charlie.lastRun, undefined)
        assert.equal('yaml' in charlie, false, 'a summary carries no YAML')

        assert.equal(alpha?.recentScores.length, 20)
        assert.deepEqual(
          alpha.recentScores.map((p) => p.runId),
          ids.slice(5)
        )
        assert.deepEqual(alpha.recentScores[0], {
          runId: ids[5],
          startedAt: at(105),
          status: 'finished',
          verdict: 'fail',
          score: 5,
        })
        assert.deepEqual(alpha.lastRun, {
          runId: ids[24],
          startedAt: at(124),
          status: 'running',
        })
        assert.deepEqual(bravo?.recentScores, [
          { runId: b1, startedAt: at(50), status: 'finished', verdict: 'pass', score: 100 },
        ])
        assert.deepEqual(bravo.lastRun, bravo.recentScores[0])

        const full = await store.getExperiment('ea')
        assert.deepEqual(full?.recentScores, alpha.recentScores)
        assert.deepEqual(full.lastRun, alpha.lastRun)
      })

      it('addVersion adds a version that does not become current; updates number after it', async () => {
        await store.createExperiment(experiment('e1'))
        const author = { createdBy: 'u2', createdByName: 'bob', createdVia: 'ci-deploy' }
        const added = await store.addVersion('e1', { yaml: 'ci\n', ...author, createdAt: at(20) })
        assert.deepEqual(added, {
          experimentId: 'e1',
          version: 2,
          createdAt: at(20),
          ...author,
        })
        const current = await store.getExperiment('e1')
        assert.equal(current?.version, 1, 'the current version is unchanged')
        assert.equal(current.yaml, 'name: experiment e1\n')
        assert.equal(current.updatedAt, at(10))
        assert.equal((await store.getExperimentVersion('e1', 2))?.yaml, 'ci\n')
        assert.equal(
          await store.addVersion('nope', { yaml: 'x', ...author, createdAt: at(20) }),
          undefined
        )

        // A save expecting the current version (1) still succeeds, as version 3.
        const saved = await store.updateExperiment('e1', {
          ...experiment('e1'),
          yaml: 'ui\n',
          expectedVersion: 1,
          createdAt: at(30),
        })
        assert.equal(saved?.version, 3)
        assert.equal(saved.yaml, 'ui\n')
        assert.deepEqual(
          (await store.listExperimentVersions('e1')).map((v) => [v.version, v.createdVia]),
          [
            [3, undefined],
            [2, 'ci-deploy'],
            [1, undefined],
          ]
        )
        await rejectsConflict(
          store.updateExperiment('e1', { ...experiment('e1'), yaml: 'x\n', expectedVersion: 2 })
        )
      })

      it('addVersion answers an existing version with the same YAML, even when racing', async () => {
        await store.createExperiment(experiment('e1'))
        const author = { createdBy: 'u2', createdByName: 'bob' }
        const same = await store.addVersion('e1', {
          yaml: 'name: experiment e1\n',
          ...author,
          createdAt: at(20),
        })
        assert.equal(same?.version, 1)
        assert.equal(same.createdByName, 'alice', 'the version as it was made')
        const add = () => store.addVersion('e1', { yaml: 'ci\n', ...author, createdAt: at(30) })
        const raced = await Promise.all([add(), add(), add()])
        assert.deepEqual(
          raced.map((v) => v?.version),
          [2, 2, 2]
        )
        assert.deepEqual(
          (await store.listExperimentVersions('e1')).map((v) => v.version),
          [2, 1]
        )
      })

      it('findVersionByYaml finds the newest version with exactly that YAML', async () => {
        await store.createExperiment(experiment('e1'))
        await store.updateExperiment('e1', { ...experiment('e1'), yaml: 'b\n' })
        await store.updateExperiment('e1', { ...experiment('e1'), yaml: 'name: experiment e1\n' })
        assert.equal(await store.findVersionByYaml('e1', 'name: experiment e1\n'), 3)
        assert.equal(await store.findVersionByYaml('e1', 'b\n'), 2)
        assert.equal(await store.findVersionByYaml('e1', 'b'), undefined)
        assert.equal(await store.findVersionByYaml('nope', 'b\n'), undefined)
      })

      it('labels round-trip', async () => {
        await store.createExperiment({ ...experiment('e1'), labels: { team: 'a', tier: '1' } })
        assert.deepEqual((await store.getExperiment('e1'))?.labels, { team: 'a', tier: '1' })
        const [listed] = await store.listExperiments()
        assert.deepEqual(listed?.labels, { team: 'a', tier: '1' })
      })

      it('counts running runs per experiment', async () => {
        const [r1] = await withRuns([100, 101, 102], 'e1')
        await withRuns([100], 'e2')
        await store.finishRun(r1 ?? '', end(r1 ?? ''))
        const byId = new Map((await store.listExperiments()).map((e) => [e.id, e.runningRuns]))
        assert.deepEqual(Object.fromEntries(byId), { e1: 2, e2: 1 })
        assert.equal((await store.getExperiment('e1'))?.runningRuns, 2)
        await store.interruptRunning(at(200))
        assert.equal((await store.getExperiment('e1'))?.runningRuns, 0)
      })

      it('deleting an experiment deletes its versions, runs and events', async () => {
        const [r1] = await withRuns([100], 'e1')
        const [r2] = await withRuns([100], 'e2')
        await store.updateExperiment('e1', { ...experiment('e1'), yaml: 'v2\n' })
        await store.appendEvents(r1 ?? '', events(0, 30))
        await store.appendEvents(r2 ?? '', events(0, 10))

        assert.equal(await store.deleteExperiment('e1'), true)
        assert.equal(await store.deleteExperiment('e1'), false)
        assert.equal(await store.getExperiment('e1'), undefined)
        assert.deepEqual(await store.listExperimentVersions('e1'), [])
        assert.equal(await store.getRun(r1 ?? ''), undefined)
        assert.deepEqual(await store.listRuns({ experimentId: 'e1' }), [])
        assert.equal(await store.countEvents(r1 ?? ''), 0)
        assert.deepEqual(await store.listEvents(r1 ?? ''), [])

        assert.equal(await store.countEvents(r2 ?? ''), 10, 'other experiments are untouched')
        assert.deepEqual(
          (await store.listExperiments()).map((e) => e.id),
          ['e2']
        )
      })
    })

    describe('runs and events', () => {
      it('createRun starts a run that is running', async () => {
        await store.createExperiment(experiment('e1'))
        const run = await store.createRun({ ...newRun('r1', 'e1'), source: 'cli' })
        const expected = {
          id: 'r1',
          experimentId: 'e1',
          experimentName: 'experiment e1',
          experimentVersion: 1,
          source: 'cli',
          status: 'running',
          startedAt: at(100),
          startedBy: 'u1',
          startedByName: 'alice',
        }
        assert.deepEqual(run, expected)
        assert.deepEqual(await store.getRun('r1'), { ...expected, eventCount: 0 })
        assert.equal(await store.getRun('nope'), undefined)
        assert.deepEqual(await store.getRunSummary('r1'), expected)
        assert.equal(await store.getRunSummary('nope'), undefined)
        await assert.rejects(store.createRun(newRun('r2', 'missing')), /missing/)
        await rejectsConflict(store.createRun(newRun('r1', 'e1')))
      })

      it("a run started with an API token keeps the token's name", async () => {
        await store.createExperiment(experiment('e1'))
        await store.createRun({ ...newRun('r1', 'e1'), startedVia: 'ci-deploy' })
        assert.equal((await store.getRun('r1'))?.startedVia, 'ci-deploy')
        const [listed] = await store.listRuns()
        assert.equal(listed?.startedVia, 'ci-deploy')
        assert.equal(listed.startedByName, 'alice')
      })

      it('round-trips appended events, ordered by seq', async () => {
        await withRuns([100])
        const all = events(0, 30)
        // Batches out of order: reads still come back by seq.
        await store.appendEvents('e1-run-000', all.slice(20))
        await store.appendEvents('e1-run-000', all.slice(0, 20))
        await store.appendEvents('e1-run-000', [])
        assert.deepEqual(await store.listEvents('e1-run-000'), all)
        assert.equal(await store.countEvents('e1-run-000'), 30)
        assert.equal((await store.getRun('e1-run-000'))?.eventCount, 30)
        assert.equal(await store.countEvents('nope'), 0)
      })

      it('a retried batch does not duplicate events', async () => {
        await withRuns([100])
        const batch = events(0, 10)
        await store.appendEvents('e1-run-000', batch)
        await store.appendEvents('e1-run-000', batch)
        await store.appendEvents('e1-run-000', events(5, 15))
        assert.equal(await store.countEvents('e1-run-000'), 15)
        assert.deepEqual(await store.listEvents('e1-run-000'), events(0, 15))
      })

      it('the recorder stores exactly the acknowledged events, in any order (fast-check)', async () => {
        await store.createExperiment(experiment('e1'))
        await ingestProperty(store, 'e1', event)
      })

      it('pages with after and limit (default 500)', async () => {
        await withRuns([100])
        await store.appendEvents('e1-run-000', events(0, 600))
        assert.deepEqual(await store.listEvents('e1-run-000', { limit: 10 }), events(0, 10))
        assert.deepEqual(
          await store.listEvents('e1-run-000', { after: 9, limit: 10 }),
          events(10, 20)
        )
        assert.deepEqual(await store.listEvents('e1-run-000', { after: 595 }), events(596, 600))
        assert.deepEqual(await store.listEvents('e1-run-000', { after: 599 }), [])
        assert.equal((await store.listEvents('e1-run-000')).length, 500)
      })

      it('listEventTexts pages the same events as their stored JSON text; until bounds both', async () => {
        await withRuns([100])
        const all = events(0, 60)
        await store.appendEvents('e1-run-000', all)
        const query = { after: 4, until: 40, limit: 30, excludeTypes: ['op'] }
        const texts = await store.listEventTexts('e1-run-000', query)
        const parsed = await store.listEvents('e1-run-000', query)
        assert.deepEqual(
          texts.map((t) => t.seq),
          parsed.map((e) => e.seq)
        )
        assert.deepEqual(
          texts.map((t) => JSON.parse(t.json) as unknown),
          parsed
        )
        assert.deepEqual(
          parsed,
          all.filter((e) => e.type !== 'op' && e.seq > 4 && e.seq <= 40)
        )
        assert.deepEqual(await store.listEvents('e1-run-000', { until: -1 }), [])
      })

      it('leaves out excluded event types', async () => {
        await withRuns([100])
        const all = events(0, 60)
        await store.appendEvents('e1-run-000', all)
        const notOp = all.filter((e) => e.type !== 'op')
        assert.deepEqual(await store.listEvents('e1-run-000', { excludeTypes: ['op'] }), notOp)
        assert.deepEqual(
          await store.listEvents('e1-run-000', { excludeTypes: ['op'], after: 30, limit: 5 }),
          notOp.filter((e) => e.seq > 30).slice(0, 5)
        )
        assert.deepEqual(
          await store.listEvents('e1-run-000', { excludeTypes: ['run.warning', 'op'] }),
          all.filter((e) => e.type === 'step.started')
        )
        assert.deepEqual(
          await store.listEvents('e1-run-000', { excludeTypes: ['run.warning'] }),
          all.filter((e) => e.type !== 'run.warning')
        )
        assert.deepEqual(await store.listEvents('e1-run-000', { excludeTypes: [] }), all)
      })

      it('finishRun sets the end once; a second call changes nothing', async () => {
        await withRuns([100, 101])
        assert.equal(await store.finishRun('e1-run-000', end('e1-run-000')), true)
        const finished = {
          id: 'e1-run-000',
          experimentId: 'e1',
          experimentName: 'experiment e1',
          experimentVersion: 1,
          source: 'server',
          status: 'finished',
          verdict: 'fail',
          score: 66.66,
          reason: 'probe "orders" failed',
          startedAt: at(100),
          endedAt: at(160),
          startedBy: 'u1',
          startedByName: 'alice',
          result: result('e1-run-000'),
          eventCount: 0,
        }
        assert.deepEqual(await store.getRun('e1-run-000'), finished)
        // The summary carries the end state, without the result or a count of the events.
        const { result: _result, eventCount: _count, ...summary } = finished
        assert.deepEqual(await store.getRunSummary('e1-run-000'), summary)

        const again: RunEnd = {
          status: 'interrupted',
          verdict: 'error',
          score: 0,
          endedAt: at(999),
        }
        assert.equal(await store.finishRun('e1-run-000', again), false)
        assert.deepEqual(await store.getRun('e1-run-000'), finished)
        assert.equal(await store.finishRun('nope', again), false)

        // Without a result (interrupted before one could be derived): no result, no reason.
        assert.equal(await store.finishRun('e1-run-001', again), true)
        const interrupted = await store.getRun('e1-run-001')
        assert.ok(interrupted)
        assert.equal(interrupted.result, undefined)
        assert.equal(interrupted.reason, undefined)
        assert.equal(interrupted.status, 'interrupted')
        assert.equal(interrupted.score, 0)
      })

      it('lists runs newest first, filtered, limited, and by keyset', async () => {
        // Two runs share a start: the keyset must still page through both exactly once.
        const e1 = await withRuns([100, 300, 200, 300, 400], 'e1')
        const e2 = await withRuns([250], 'e2')
        await store.finishRun(e1[0] ?? '', end(e1[0] ?? ''))
        await store.finishRun(e2[0] ?? '', end(e2[0] ?? ''))
        const newestFirst = ['e1-run-004', 'e1-run-003', 'e1-run-001', 'e2-run-000']
        newestFirst.push('e1-run-002', 'e1-run-000')

        const ids = async (query: Parameters<Store['listRuns']>[0]) =>
          (await store.listRuns(query)).map((r) => r.id)
        assert.deepEqual(await ids(undefined), newestFirst)
        assert.deepEqual(
          await ids({ experimentId: 'e1' }),
          newestFirst.filter((id) => id.startsWith('e1'))
        )
        assert.deepEqual(await ids({ status: 'finished' }), ['e2-run-000', 'e1-run-000'])
        assert.deepEqual(await ids({ status: 'running', experimentId: 'e2' }), [])
        assert.deepEqual(await ids({ limit: 2 }), newestFirst.slice(0, 2))

        const paged: string[] = []
        let before: string | undefined
        for (;;) {
          const page = await ids({ limit: 2, ...(before !== undefined && { before }) })
          if (page.length === 0) {
            break
          }
          paged.push(...page)
          before = page.at(-1)
        }
        assert.deepEqual(paged, newestFirst)
        assert.deepEqual(await ids({ before: 'e1-run-001', experimentId: 'e1' }), [
          'e1-run-002',
          'e1-run-000',
        ])

        const summary = (await store.listRuns({ status: 'finished', limit: 1 }))[0]
        assert.equal(summary?.verdict, 'fail')
        assert.equal('result' in summary, false, 'a summary carries no result')
      })

      it('returns at most 50 runs by default', async () => {
        await withRuns(Array.from({ length: 55 }, (_, i) => i))
        assert.equal((await store.listRuns()).length, 50)
      })

      it('interruptRunning ends only running runs and returns their ids', async () => {
        const ids = await withRuns([100, 101, 102])
        await store.finishRun(ids[1] ?? '', end(ids[1] ?? ''))
        const interrupted = await store.interruptRunning(at(500))
        assert.deepEqual(interrupted.sort(), [ids[0], ids[2]])
        const run = await store.getRun(ids[0] ?? '')
        assert.equal(run?.status, 'interrupted')
        assert.equal(run.verdict, 'interrupted')
        assert.equal(run.endedAt, at(500))
        assert.equal((await store.getRun(ids[1] ?? ''))?.status, 'finished')
        assert.deepEqual(await store.interruptRunning(at(600)), [])
        assert.equal(await store.finishRun(ids[2] ?? '', end(ids[2] ?? '')), false)
      })

      it('appends 10,000 events in batches of 500', async () => {
        await withRuns([100])
        for (let from = 0; from < 10_000; from += 500) {
          await store.appendEvents('e1-run-000', events(from, from + 500))
        }
        assert.equal(await store.countEvents('e1-run-000'), 10_000)
        const last = await store.listEvents('e1-run-000', { after: 9_989 })
        assert.deepEqual(last, events(9_990, 10_000))
      })
    })

    agentStoreTests(() => ({ fixture, store }))

    describe('schema and durability', () => {
      it('migrate() twice is a no-op', async () => {
        await store.createExperiment(experiment('e1'))
        await store.migrate()
        await store.migrate()
        assert.deepEqual(
          await fixture.appliedMigrations(),
          MIGRATIONS.map((m) => m.version)
        )
        assert.equal((await store.listExperiments()).length, 1)
      })

      it('a version-1 database moves forward: authors get ids only when certain, labels, sessions', async () => {
        const kind = store.kind
        await store.close()
        await fixture.exec(
          `${DROP_CONTINUOUS} DROP TABLE run_parts; DROP TABLE run_bundles; DROP TABLE agents;
           DROP TABLE run_events; DROP TABLE runs; DROP TABLE experiment_versions;
           DROP TABLE experiments; DROP TABLE tokens; DROP TABLE users;
           DELETE FROM schema_migrations;`
        )
        await fixture.exec(MIGRATIONS[0]![kind])
        // Version 1 stored the user's name as created_by, and the user's id as started_by.
        // Two users are named bob; carol was deleted and her name taken by a newer user (u4);
        // nobody is named gone any more.
        const labelled = 'metadata:\n  labels:\n    team: pay\n'
        await fixture.exec(
          `INSERT INTO schema_migrations (version, applied_at) VALUES (1, '${at(0)}');
           INSERT INTO users (id, name, role, created_at) VALUES
             ('u1', 'alice', 'owner', '${at(0)}'), ('u2', 'bob', 'editor', '${at(1)}'),
             ('u3', 'bob', 'editor', '${at(2)}'), ('u4', 'carol', 'editor', '${at(50)}');
           INSERT INTO experiments (id, name, hypothesis, version, created_by, created_at, updated_at)
             VALUES ('e1', 'one', 'h', 5, 'alice', '${at(10)}', '${at(60)}'),
                    ('e2', 'two', 'h', 1, 'carol', '${at(10)}', '${at(10)}');
           INSERT INTO experiment_versions (experiment_id, version, yaml, created_by, created_at)
             VALUES ('e1', 1, 'first', 'alice', '${at(10)}'),
                    ('e1', 2, 'second', 'gone', '${at(20)}'),
                    ('e1', 3, 'third', 'bob', '${at(25)}'),
                    ('e1', 4, 'fourth', 'carol', '${at(30)}'),
                    ('e1', 5, '${labelled}', 'carol', '${at(60)}'),
                    ('e2', 1, 'plain', 'carol', '${at(10)}');
           INSERT INTO runs (id, experiment_id, experiment_version, experiment_name, source, status,
             started_at, started_by)
             VALUES ('r1', 'e1', 1, 'one', 'cli', 'running', '${at(30)}', 'u1'),
                    ('r2', 'e1', 2, 'one', 'server', 'running', '${at(40)}', 'u-gone');
           INSERT INTO tokens (id, name, user_id, role, hash, created_at, expires_at) VALUES
             ('t-session', 'session ${at(0).slice(0, 10)}', 'u1', 'owner', 'h1', '${at(0)}', '${at(600)}'),
             ('t-api', 'session 1999-01-01', 'u1', 'owner', 'h2', '${at(0)}', NULL);`
        )
        const upgraded = await fixture.reopen()
        assert.deepEqual(
          await fixture.appliedMigrations(),
          MIGRATIONS.map((m) => m.version)
        )
        const e1 = await upgraded.getExperiment('e1')
        assert.equal(e1?.createdBy, 'u1', 'the id of the one user of that name')
        assert.equal(e1.createdByName, 'alice')
        assert.deepEqual(e1.labels, { team: 'pay' }, "derived from the current version's YAML")
        assert.equal(e1.runningRuns, 2)
        const e2 = await upgraded.getExperiment('e2')
        assert.equal(e2?.createdBy, '', 'carol (u4) did not exist yet: not hers')
        assert.equal(e2.createdByName, 'carol')
        assert.deepEqual(e2.labels, {})
        assert.deepEqual(
          (await upgraded.listExperimentVersions('e1')).map((v) => [
            v.version,
            v.createdBy,
            v.createdByName,
            v.createdVia,
          ]),
          [
            [5, 'u4', 'carol', undefined],
            [4, '', 'carol', undefined],
            [3, '', 'bob', undefined],
            [2, '', 'gone', undefined],
            [1, 'u1', 'alice', undefined],
          ],
          "an id only where one user of that name existed then; '' (unknown) otherwise"
        )
        assert.deepEqual(
          (await upgraded.listRuns()).map((r) => [r.id, r.startedBy, r.startedByName]),
          [
            ['r2', 'u-gone', 'u-gone'],
            ['r1', 'u1', 'alice'],
          ]
        )
        assert.equal((await upgraded.findToken('h1', at(2)))?.session, true, 'a login session')
        assert.equal((await upgraded.findToken('h2', at(2)))?.session, false, 'an API token')
      })

      it('data survives close and reopen', async () => {
        await store.createUser(user('u1'))
        await store.createToken(token('t1', 'u1'))
        await withRuns([100])
        await store.appendEvents('e1-run-000', events(0, 5))
        await store.finishRun('e1-run-000', end('e1-run-000'))
        const before = await store.getRun('e1-run-000')
        await store.close()

        const reopened = await fixture.reopen()
        assert.deepEqual(await reopened.getUser('u1'), user('u1'))
        assert.equal((await reopened.findToken('hash-t1', at(2)))?.id, 't1')
        assert.equal((await reopened.getExperiment('e1'))?.version, 1)
        assert.deepEqual(await reopened.getRun('e1-run-000'), before)
        assert.deepEqual(await reopened.listEvents('e1-run-000'), events(0, 5))
        assert.deepEqual(
          await fixture.appliedMigrations(),
          MIGRATIONS.map((m) => m.version)
        )
      })
    })
  })
}
