/**
 * The store suite's part for remote agents (issue 14): queued runs and their placement, the
 * queue transitions that act only on a queued run, leases and late reports, agents, bundles,
 * and migration 3 moving a version-2 database forward without losing an event. Called from
 * store-suite.ts inside each dialect's describe, so both stores pass the same tests.
 * @module
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { JournalEvent } from '../../src/shared/api.js'
import type { AgentRecord, NewRun, RunEnd, Store } from '../../src/server/store/contract.js'
import { MIGRATIONS } from '../../src/server/store/migrations.js'
import type { StoreFixture } from './store-suite.js'
import { CONTINUOUS_TABLES } from '../../src/server/store/migrations/continuous.js'

const DROP_CONTINUOUS = CONTINUOUS_TABLES.map((t) => `DROP TABLE ${t};`).join(' ')

const T0 = Date.UTC(2025, 0, 1)
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()

const stepEvent = (seq: number): JournalEvent => ({
  type: 'step.started',
  stepId: `step-${seq}`,
  seq,
  t: T0 + seq,
})
const seqs = (list: number[]) => list.map(stepEvent)

const queued = (id: string, extra: Partial<NewRun> = {}): NewRun => ({
  id,
  experimentId: 'e1',
  experimentVersion: 1,
  source: 'agent',
  status: 'queued',
  placement: { agent: 'edge-1' },
  queueDeadline: at(700),
  leaseMs: 30_000,
  startedBy: 'u1',
  startedByName: 'alice',
  startedAt: at(100),
  ...extra,
})

const ended = (reason: string, status: RunEnd['status'] = 'finished'): RunEnd => ({
  status,
  verdict: status === 'finished' ? 'error' : 'interrupted',
  score: 0,
  reason,
  endedAt: at(300),
})

const agent = (name: string, extra: Partial<AgentRecord> = {}): AgentRecord => ({
  name,
  labels: { zone: 'eu', os: 'linux' },
  addresses: ['198.18.0.2'],
  maxRuns: 1,
  firstSeenAt: at(1),
  ...extra,
})

export function agentStoreTests(current: () => { fixture: StoreFixture; store: Store }): void {
  const store = () => current().store

  async function withExperiment(): Promise<void> {
    await store().createExperiment({
      id: 'e1',
      name: 'one',
      hypothesis: 'h',
      yaml: 'name: one\n',
      createdBy: 'u1',
      createdByName: 'alice',
      labels: {},
      createdAt: at(10),
    })
  }

  describe('queued runs and agents (issue 14)', () => {
    it('createRun keeps a placed run queued with its placement, deadline and lease', async () => {
      await withExperiment()
      const run = await store().createRun(queued('q1', { placement: { labels: { zone: 'eu' } } }))
      assert.equal(run.status, 'queued')
      assert.equal(run.source, 'agent')
      assert.deepEqual(run.placement, { labels: { zone: 'eu' } })
      assert.equal(run.queueDeadline, at(700))
      assert.equal(run.leaseMs, 30_000)
      assert.equal(run.agent, undefined)
      assert.deepEqual(await store().getRunSummary('q1'), run)
      assert.deepEqual(
        (await store().listRuns({ status: 'queued' })).map((r) => r.id),
        ['q1']
      )
      assert.equal((await store().getExperiment('e1'))?.runningRuns, 0, 'queued is not running')
    })

    it('dispatch, requeue and start act only on a queued run', async () => {
      await withExperiment()
      await store().createRun(queued('q1'))
      await store().setQueueReason('q1', 'no agent named edge-1 is connected (never connected)')
      assert.equal(
        (await store().getRunSummary('q1'))?.queueReason,
        'no agent named edge-1 is connected (never connected)'
      )
      assert.equal(await store().markDispatched('q1', 'edge-1', 'sent to edge-1'), true)
      let run = await store().getRunSummary('q1')
      assert.equal(run?.status, 'queued')
      assert.equal(run.agent, 'edge-1')
      assert.equal(run.queueReason, 'sent to edge-1')
      assert.equal(await store().requeue('q1', 'edge-1 dropped'), true)
      run = await store().getRunSummary('q1')
      assert.ok(run)
      assert.equal(run.agent, undefined, 'back in the queue, unassigned')
      assert.equal(run.queueReason, 'edge-1 dropped')

      await store().markDispatched('q1', 'edge-2', 'sent to edge-2')
      assert.equal(await store().markRunning('q1', 'edge-2', at(150)), true)
      run = await store().getRunSummary('q1')
      assert.equal(run?.status, 'running')
      assert.equal(run.source, 'agent')
      assert.equal(run.agent, 'edge-2')
      assert.equal(run.dispatchedAt, at(150))
      assert.equal(run.queueReason, undefined)

      // Not queued any more: every queue transition is a no-op.
      assert.equal(await store().markDispatched('q1', 'edge-3', 'x'), false)
      assert.equal(await store().markRunning('q1', 'edge-3', at(160)), false)
      assert.equal(await store().requeue('q1', 'x'), false)
      await store().setQueueReason('q1', 'x')
      assert.equal(await store().endQueued('q1', ended('x')), false)
      run = await store().getRunSummary('q1')
      assert.equal(run?.status, 'running')
      assert.equal(run.agent, 'edge-2')
      assert.equal(run.queueReason, undefined)
      assert.equal(await store().markDispatched('nope', 'edge-1', 'x'), false)
    })

    it('endQueued ends a queued run once (cancel or queue timeout); finishRun does not', async () => {
      await withExperiment()
      await store().createRun(queued('q1'))
      await store().createRun(queued('q2'))
      assert.equal(await store().finishRun('q1', ended('x')), false, 'finishRun is for running')
      assert.equal(
        await store().endQueued('q1', ended('cancelled by alice while queued', 'cancelled')),
        true
      )
      assert.equal(await store().endQueued('q1', ended('again')), false)
      const cancelled = await store().getRun('q1')
      assert.equal(cancelled?.status, 'cancelled')
      assert.equal(cancelled.verdict, 'interrupted')
      assert.equal(cancelled.reason, 'cancelled by alice while queued')
      assert.equal(cancelled.endedAt, at(300))
      const timeout = 'not started: no agent named edge-1 was connected and free within 10m'
      await store().endQueued('q2', ended(timeout))
      const timedOut = await store().getRunSummary('q2')
      assert.equal(timedOut?.status, 'finished')
      assert.equal(timedOut.verdict, 'error')
      assert.equal(timedOut.reason, timeout)
      assert.equal(timedOut.queueReason, undefined)
    })

    it('interruptRunning leaves runs on agents (and queued runs) alone', async () => {
      await withExperiment()
      await store().createRun({ ...queued('local'), source: 'server', status: 'running' })
      await store().createRun(queued('placed'))
      await store().createRun(queued('waiting'))
      await store().markRunning('placed', 'edge-1', at(120))
      assert.deepEqual(await store().interruptRunning(at(500)), ['local'])
      assert.equal((await store().getRunSummary('placed'))?.status, 'running')
      assert.equal((await store().getRunSummary('waiting'))?.status, 'queued')
    })

    it('contiguousSeq is the end of the gapless prefix from seq 0', async () => {
      await withExperiment()
      await store().createRun(queued('q1'))
      assert.equal(await store().contiguousSeq('q1'), -1, 'nothing stored')
      await store().appendEvents('q1', seqs([1, 2, 3]))
      assert.equal(await store().contiguousSeq('q1'), -1, 'seq 0 missing')
      await store().appendEvents('q1', seqs([0, 5, 6]))
      assert.equal(await store().contiguousSeq('q1'), 3)
      await store().appendEvents('q1', seqs([4]))
      assert.equal(await store().contiguousSeq('q1'), 6)
      assert.equal(await store().contiguousSeq('nope'), -1)
    })

    it('contiguousSeq matches a model for any batches of seqs (fast-check)', async () => {
      await withExperiment()
      let runs = 0
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 10 }), {
            maxLength: 6,
          }),
          async (batches) => {
            const runId = `p${runs++}`
            await store().createRun(queued(runId))
            const stored = new Set<number>()
            for (const batch of batches) {
              await store().appendEvents(runId, seqs([...new Set(batch)]))
              batch.forEach((seq) => stored.add(seq))
              let expected = -1
              while (stored.has(expected + 1)) {
                expected++
              }
              assert.equal(await store().contiguousSeq(runId), expected)
            }
          }
        ),
        { numRuns: 40 }
      )
    })

    it('a late report re-derives the end only where the lease lapsed, once', async () => {
      await withExperiment()
      await store().createRun(queued('q1'))
      await store().createRun(queued('q2'))
      await store().markRunning('q1', 'edge-1', at(120))
      await store().markRunning('q2', 'edge-1', at(120))
      const lapsed = ended('agent edge-1 was lost for 30 s (lease)', 'interrupted')
      await store().finishRun('q1', lapsed)
      await store().finishRun('q2', lapsed)
      await store().markLateReport('q1')
      assert.equal(await store().isLateReport('q1'), true)
      assert.equal(await store().isLateReport('q2'), false)
      const late: RunEnd = {
        ...lapsed,
        verdict: 'fail',
        score: 50,
        reason: `${lapsed.reason}; the agent's report arrived late`,
        endedAt: at(400),
      }
      assert.equal(await store().updateRunEnd('q2', late), false, 'not waiting for a report')
      assert.equal(await store().updateRunEnd('q1', late), true)
      const run = await store().getRunSummary('q1')
      assert.equal(run?.status, 'interrupted')
      assert.equal(run.verdict, 'fail')
      assert.equal(run.reason, late.reason)
      assert.equal(await store().isLateReport('q1'), false, 'reported')
      assert.equal(await store().updateRunEnd('q1', late), false)
    })

    it('agents are upserted (first seen kept), listed by name, named with agent tokens', async () => {
      await store().upsertAgent(agent('edge-2'))
      await store().upsertAgent(
        agent('edge-1', {
          version: '0.14.0',
          hostname: 'h1',
          tokenId: 't1',
          connectedAt: at(5),
          lastHeartbeatAt: at(6),
        })
      )
      await store().upsertAgent(
        agent('edge-2', {
          labels: { zone: 'us' },
          firstSeenAt: at(99),
          disconnectedAt: at(50),
          maxRuns: 2,
        })
      )
      const [one, two] = await store().listAgents()
      assert.deepEqual(one, {
        ...agent('edge-1'),
        version: '0.14.0',
        hostname: 'h1',
        tokenId: 't1',
        connectedAt: at(5),
        lastHeartbeatAt: at(6),
      })
      assert.deepEqual(two, {
        ...agent('edge-2'),
        labels: { zone: 'us' },
        disconnectedAt: at(50),
        maxRuns: 2,
      })

      await store().createUser({ id: 'u1', name: 'alice', role: 'owner', createdAt: at(0) })
      const agentToken = (id: string, name: string, role: 'agent' | 'editor' = 'agent') =>
        store().createToken({ id, name, userId: 'u1', role, hash: `h-${id}`, createdAt: at(1) })
      await agentToken('t1', 'edge-1')
      await agentToken('t3', 'edge-3')
      await agentToken('t4', 'ci', 'editor')
      assert.equal((await store().findToken('h-t1', at(2)))?.role, 'agent')
      assert.deepEqual(await store().agentNames(), ['edge-1', 'edge-2', 'edge-3'])
    })

    it('run_parts: one row per logical host, replaced by run and host, gone with the run', async () => {
      await withExperiment()
      await store().createRun(queued('m1', { placement: { parts: { b: 'edge-2', a: 'edge-1' } } }))
      assert.deepEqual(await store().listRunParts('m1'), [])
      const part = { runId: 'm1', agent: 'edge-1', lastSeq: -1 }
      await store().putRunPart({ ...part, logical: 'b', agent: 'edge-2', status: 'dispatched' })
      await store().putRunPart({ ...part, logical: 'a', status: 'dispatched' })
      await store().putRunPart({
        ...part,
        logical: 'a',
        status: 'running',
        clockOffsetMs: -12.5,
        clockErrorMs: 0.4,
      })
      assert.deepEqual(await store().listRunParts('m1'), [
        { ...part, logical: 'a', status: 'running', clockOffsetMs: -12.5, clockErrorMs: 0.4 },
        { ...part, logical: 'b', agent: 'edge-2', status: 'dispatched' },
      ])
      await store().putRunPart({
        ...part,
        logical: 'b',
        agent: 'edge-2',
        status: 'lost',
        lastSeq: 41,
        reason: 'agent edge-2 (b) was lost for 30s (lease)',
      })
      const [, lost] = await store().listRunParts('m1')
      assert.equal(lost?.status, 'lost')
      assert.equal(lost.lastSeq, 41)
      assert.equal(lost.reason, 'agent edge-2 (b) was lost for 30s (lease)')
      assert.equal(lost.clockOffsetMs, undefined)
      assert.deepEqual(
        (await store().getRun('m1'))?.placement,
        { parts: { b: 'edge-2', a: 'edge-1' } },
        'the placement keeps its logical hosts'
      )
      await store().deleteExperiment('e1')
      assert.deepEqual(await store().listRunParts('m1'), [], 'cascaded with its run')
    })

    it('bundles round-trip their vars and bytes, are replaced, deleted, and go with the run', async () => {
      await withExperiment()
      await store().createRun(queued('q1'))
      await store().createRun(queued('q2'))
      const data = Buffer.from([0, 1, 2, 255, 254]).toString('base64')
      await store().putBundle('q1', { vars: { HOST: 'a', PORT: '80' }, data })
      await store().putBundle('q2', { vars: {} })
      assert.deepEqual(await store().getBundle('q1'), { vars: { HOST: 'a', PORT: '80' }, data })
      assert.deepEqual(await store().getBundle('q2'), { vars: {} })
      await store().putBundle('q2', { vars: { X: 'y' } })
      assert.deepEqual(await store().getBundle('q2'), { vars: { X: 'y' } })
      await store().deleteBundle('q2')
      assert.equal(await store().getBundle('q2'), undefined)
      assert.equal(await store().getBundle('nope'), undefined)
      await store().deleteExperiment('e1')
      assert.equal(await store().getBundle('q1'), undefined, 'cascaded with its run')
    })

    it('a version-2 database with runs and events moves to version 3 without losing an event', async () => {
      const { fixture } = current()
      const kind = store().kind
      await store().close()
      await fixture.exec(
        `${DROP_CONTINUOUS} DROP TABLE run_parts; DROP TABLE run_bundles; DROP TABLE agents; DROP TABLE run_events; DROP TABLE runs;
         DROP TABLE experiment_versions; DROP TABLE experiments; DROP TABLE tokens;
         DROP TABLE users; DELETE FROM schema_migrations;`
      )
      await fixture.exec(MIGRATIONS[0]![kind])
      await fixture.exec(MIGRATIONS[1]![kind])
      const bodies = [0, 1, 2].map((seq) => JSON.stringify(stepEvent(seq)).replaceAll("'", "''"))
      await fixture.exec(
        `INSERT INTO schema_migrations (version, applied_at) VALUES (1, '${at(0)}'), (2, '${at(0)}');
         INSERT INTO users (id, name, role, created_at) VALUES ('u1', 'alice', 'owner', '${at(0)}');
         INSERT INTO tokens (id, name, user_id, role, hash, created_at) VALUES
           ('t1', 'ci', 'u1', 'editor', 'h1', '${at(0)}');
         INSERT INTO experiments (id, name, hypothesis, version, created_by, created_by_name,
           created_at, updated_at, labels)
           VALUES ('e1', 'one', 'h', 1, 'u1', 'alice', '${at(10)}', '${at(10)}', '{}');
         INSERT INTO experiment_versions (experiment_id, version, yaml, created_by, created_at)
           VALUES ('e1', 1, 'name: one', 'u1', '${at(10)}');
         INSERT INTO runs (id, experiment_id, experiment_version, experiment_name, source, status,
           started_at, started_by, started_by_name, started_via, verdict, score, ended_at)
           VALUES ('r1', 'e1', 1, 'one', 'cli', 'finished', '${at(30)}', 'u1', 'alice', 'ci',
             'pass', 100, '${at(40)}'),
                  ('r2', 'e1', 1, 'one', 'server', 'running', '${at(50)}', 'u1', 'alice', NULL,
             NULL, NULL, NULL);
         INSERT INTO run_events (run_id, seq, t, type, body) VALUES
           ${bodies.map((b, seq) => `('r1', ${seq}, ${T0 + seq}, 'step.started', '${b}')`).join(', ')},
           ('r2', 0, ${T0}, 'step.started', '${bodies[0]}');`
      )
      const upgraded = await fixture.reopen()
      assert.deepEqual(
        await fixture.appliedMigrations(),
        MIGRATIONS.map((m) => m.version)
      )
      assert.deepEqual(await upgraded.listEvents('r1'), seqs([0, 1, 2]), 'no event lost')
      assert.deepEqual(await upgraded.listEvents('r2'), seqs([0]))
      const r1 = await upgraded.getRunSummary('r1')
      assert.equal(r1?.startedVia, 'ci')
      assert.equal(r1.verdict, 'pass')
      assert.equal(r1.score, 100)
      assert.equal((await upgraded.getRunSummary('r2'))?.status, 'running')
      assert.equal((await upgraded.findToken('h1', at(1)))?.name, 'ci', 'tokens kept')
      // The CHECKs accept the new values.
      await upgraded.createRun(queued('q1'))
      await upgraded.endQueued('q1', ended('cancelled', 'cancelled'))
      assert.equal((await upgraded.getRunSummary('q1'))?.status, 'cancelled')
      await upgraded.createToken({
        id: 't2',
        name: 'edge-1',
        userId: 'u1',
        role: 'agent',
        hash: 'h2',
        createdAt: at(1),
      })
      assert.deepEqual(await upgraded.agentNames(), ['edge-1'])
      // Foreign keys still hold after the rebuild: deleting the experiment cascades.
      await upgraded.deleteExperiment('e1')
      assert.equal(await upgraded.countEvents('r1'), 0)
      assert.equal(await upgraded.deleteUser('u1'), true)
      assert.equal(await upgraded.findToken('h1', at(1)), undefined)
    })
  })
}
