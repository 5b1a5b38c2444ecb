/**
 * The scheduler's SQL (src/server/schedules/store.ts) against both stores: SQLite in a temp
 * dir and a throwaway PostgreSQL 15 (test/support/postgres.ts). The exactly-once guarantee
 * rests on these statements: a tick row written once however many writers race, last_due_at
 * moving only forward, a settled tick never settled again.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { openStore } from '../../src/server/store/open.js'
import type { Store } from '../../src/server/store/contract.js'
import { scheduleStore } from '../../src/server/schedules/store.js'
import { startPostgres, type PostgresServer } from '../support/postgres.js'

const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 0, minute)).toISOString()

function suite(name: string, open: () => Promise<{ store: Store; done: () => Promise<void> }>) {
  describe(name, () => {
    let store: Store
    let done: () => Promise<void>
    before(async () => {
      ;({ store, done } = await open())
      for (const id of ['e1', 'e2']) {
        await store.createExperiment({
          id,
          name: `experiment ${id}`,
          hypothesis: 'it holds',
          yaml: 'x: 1\n',
          createdBy: 'u1',
          createdByName: 'alice',
          labels: {},
          createdAt: at(0),
        })
      }
    })
    after(() => done())

    it('state: created once, last_due_at only moves forward, restart and pause set it', async () => {
      const s = scheduleStore(store.sql)
      await s.ensureState('e1', 'nightly', at(1), 'a')
      await s.ensureState('e1', 'nightly', at(5), 'b') // already there: unchanged
      assert.deepEqual(await s.state('e1', 'nightly'), {
        experimentId: 'e1',
        name: 'nightly',
        paused: false,
        lastDueAt: at(1),
        timing: 'a',
      })
      await s.advance('e1', 'nightly', at(3))
      await s.advance('e1', 'nightly', at(2)) // older: ignored
      assert.equal((await s.state('e1', 'nightly'))!.lastDueAt, at(3))
      await s.setPaused('e1', 'nightly', true, 'alice', at(4))
      const paused = await s.state('e1', 'nightly')
      assert.equal(paused!.paused, true)
      assert.equal(paused!.pausedBy, 'alice')
      await s.setPaused('e1', 'nightly', false, null, null)
      await s.restart('e1', 'nightly', at(9), 'c')
      assert.deepEqual(await s.state('e1', 'nightly'), {
        experimentId: 'e1',
        name: 'nightly',
        paused: false,
        lastDueAt: at(9),
        timing: 'c',
      })
      assert.equal((await s.states()).length, 1)
      await s.forget('e1', 'nightly', 10)
      assert.equal(await s.state('e1', 'nightly'), undefined)
    })

    it('a tick row is written by exactly one of many racing writers, and settled once', async () => {
      const s = scheduleStore(store.sql)
      const tick = {
        experimentId: 'e1',
        schedule: 'race',
        dueAt: at(10),
        outcome: 'pending' as const,
      }
      const won = await Promise.all(Array.from({ length: 8 }, () => s.insertTick(tick)))
      assert.equal(won.filter(Boolean).length, 1)
      assert.deepEqual(
        (await s.pendingTicks()).map((t) => t.dueAt),
        [at(10)]
      )
      await s.settleTick({ ...tick, outcome: 'ran', runId: 'r1', firedAt: at(10) })
      await s.settleTick({ ...tick, outcome: 'failed', reason: 'late writer' }) // not pending: no-op
      assert.deepEqual(await s.ticks('e1', 'race', 5), [
        {
          experimentId: 'e1',
          schedule: 'race',
          dueAt: at(10),
          firedAt: at(10),
          outcome: 'ran',
          runId: 'r1',
        },
      ])
      assert.deepEqual(await s.pendingTicks(), [])
    })

    it('prune keeps the newest historyLimit ticks; lastTicks is each schedule’s newest', async () => {
      const s = scheduleStore(store.sql)
      for (const [id, name] of [
        ['e1', 'hourly'],
        ['e2', 'hourly'],
      ] as const) {
        await s.ensureState(id, name, at(0), 't')
        for (let m = 20; m < 30; m++) {
          await s.insertTick({
            experimentId: id,
            schedule: name,
            dueAt: at(m),
            outcome: 'skipped',
            reason: `r${m}`,
          })
        }
      }
      await s.prune('e1', 'hourly', 3)
      assert.deepEqual(
        (await s.ticks('e1', 'hourly', 100)).map((t) => t.dueAt),
        [at(29), at(28), at(27)]
      )
      assert.equal((await s.ticks('e2', 'hourly', 100)).length, 10)
      const all = await s.lastTicks()
      assert.deepEqual(all.map((t) => `${t.experimentId}/${t.schedule}@${t.dueAt}`).sort(), [
        `e1/hourly@${at(29)}`,
        `e2/hourly@${at(29)}`,
      ])
      assert.deepEqual(
        (await s.lastTicks('e2')).map((t) => t.experimentId),
        ['e2']
      )
    })

    it('active runs and the run a dead server recorded for a tick', async () => {
      const s = scheduleStore(store.sql)
      await store.createRun({
        id: 'r-going',
        experimentId: 'e2',
        experimentVersion: 1,
        source: 'server',
        startedBy: '',
        startedByName: 'schedule hourly',
        startedAt: at(40),
      })
      assert.deepEqual(await s.activeRuns('e2'), [{ id: 'r-going', source: 'server' }])
      assert.deepEqual(await s.activeRuns('e1'), [])
      const cause = JSON.stringify({ kind: 'schedule', schedule: 'hourly', dueAt: at(40) })
      await store.sql.execute('INSERT INTO run_causes (run_id, cause) VALUES ($1, $2)', [
        'r-going',
        cause,
      ])
      assert.equal(await s.runOfCause('e2', cause), 'r-going')
      assert.deepEqual(await s.activeRuns('e2'), [
        { id: 'r-going', source: 'server', schedule: 'hourly' },
      ])
      assert.equal(await s.runOfCause('e1', cause), undefined)
    })
  })
}

suite('SQLite', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-schedule-store-'))
  const store = await openStore({ dataDir: dir })
  return {
    store,
    done: async () => {
      await store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

describe('PostgreSQL', () => {
  let server: PostgresServer
  before(async () => {
    server = await startPostgres()
  })
  after(async () => {
    await server?.stop()
  })
  suite('PostgreSQL store', async () => {
    const admin = new pg.Client({ connectionString: server.url })
    await admin.connect()
    await admin.query('CREATE DATABASE ordeal_schedules')
    await admin.end()
    const url = new URL(server.url)
    url.pathname = '/ordeal_schedules'
    const store = await openStore({
      dataDir: '/nonexistent/never-created',
      databaseUrl: url.toString(),
    })
    return { store, done: () => store.close() }
  })
})
