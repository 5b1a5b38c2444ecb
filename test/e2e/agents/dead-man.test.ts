/**
 * The dead-man switch (issue 14 item 2), with a run that pauses its own `sleep 300` service
 * (SIGSTOP) on agent a: (a) the agent is SIGKILLed mid-fault, (b) host a is cut off the Chaos
 * Center for longer than the lease, (c) for less than the lease. Checked from outside ordeal:
 * the service's state in /proc (T = still paused), the server's view through the API, and the
 * stored journal (every seq once). Heartbeat 500 ms, lease 4 s (test/support/fleet.ts).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  createFleet,
  HEARTBEAT_MS,
  LEASE_MS,
  type AgentProcess,
  type Fleet,
} from '../../support/fleet.js'
import {
  assertGapless,
  eventually,
  journalOf,
  pauseManifest,
  pausedIn,
  placeRun,
  waitForAgent,
  waitForRun,
} from './checks.js'

let fleet: Fleet
let agent: AgentProcess
/** The server sees a silent agent as gone within 2 heartbeats; 1 s of slack for a busy machine. */
const kDisconnectMs = 2 * HEARTBEAT_MS + 1000

before(async () => {
  fleet = await createFleet({ hosts: ['a'] })
  agent = await fleet.startAgent('a')
})
after(async () => {
  await fleet?.close()
})

/** Places a 60 s pause on agent a and resolves once the service is stopped (state T). */
async function pausedRun(name: string, pauseS = 60): Promise<{ runId: string; pid: number }> {
  const run = await placeRun(fleet, pauseManifest(name, pauseS), { agent: 'a' })
  const { value: paused } = await eventually(
    `a paused service in host a (run ${run.id})`,
    () => pausedIn(fleet, 'a'),
    (pids) => pids.length === 1
  )
  return { runId: run.id, pid: paused[0]! }
}

function assertEndsOnce(types: string[]): void {
  assert.equal(types.filter((t) => t === 'run.ended').length, 1, types.join(' '))
  assert.equal(types.at(-1), 'run.ended', 'run.ended is the last event')
}

describe('the dead-man switch', () => {
  test('(a) agent SIGKILLed mid-fault: rolled back in 3 s, disconnected, interrupted after the lease, reported late without gap', async () => {
    const { runId } = await pausedRun('dead-agent')
    const killedAt = Date.now()
    await agent.kill9()
    // The run process outlives the agent: it sees the IPC channel close and rolls back. The
    // server, meanwhile, misses the agent's pongs.
    const [resumed, gone] = await Promise.all([
      eventually(
        'nothing paused in host a',
        () => pausedIn(fleet, 'a'),
        (pids) => pids.length === 0,
        3000
      ),
      waitForAgent(fleet, 'a', (a) => a?.connected === false, 'disconnected', kDisconnectMs),
    ])
    assert.ok(resumed.ms <= 3000)
    assert.ok(gone.ms <= kDisconnectMs, `disconnected after ${gone.ms} ms`)
    const { value: interrupted } = await waitForRun(
      fleet,
      runId,
      (r) => r.status === 'interrupted',
      'interrupted',
      LEASE_MS + 5000 + 15_000
    )
    assert.ok(
      Date.now() - killedAt >= LEASE_MS,
      'the server waits for the lease before it interrupts'
    )
    assert.match(interrupted.reason ?? '', /agent a was lost/)

    // A restarted agent (same state dir) reports what its run process wrote after the kill.
    agent = await fleet.startAgent('a')
    const { value: events } = await eventually(
      'the late report',
      () => journalOf(fleet, runId),
      (evs) => evs.some((e) => e.type === 'run.ended'),
      30_000
    )
    assertGapless(events)
    const types = events.map((e) => e.type)
    assert.ok(types.includes('run.aborted'), types.join(' '))
    assert.ok(types.includes('fault.reverted'), types.join(' '))
    assertEndsOnce(types)
    const late = (await waitForRun(fleet, runId, (r) => /late/.test(r.reason ?? ''), 'late')).value
    assert.equal(late.status, 'interrupted', 'a late report does not change the status')
  })

  test('(b) cut off longer than the lease: the live agent rolls back by itself, the run is interrupted on both sides, heal brings the report', async () => {
    const { runId } = await pausedRun('cut-long')
    const cutAt = Date.now()
    await fleet.cut('a')
    try {
      // The agent's own lease tick (250 ms) plus the rollback.
      const { ms } = await eventually(
        'nothing paused in host a',
        () => pausedIn(fleet, 'a'),
        (pids) => pids.length === 0,
        LEASE_MS + 3000
      )
      assert.ok(
        Date.now() - cutAt >= LEASE_MS - HEARTBEAT_MS - 250,
        `rolled back after ${ms} ms, not before the lease`
      )
      assert.equal(agent.child.exitCode, null, 'the agent is alive and keeps reconnecting')
      await waitForAgent(
        fleet,
        'a',
        (a) => a?.connected === false,
        'disconnected',
        kDisconnectMs + 5000
      )
      await waitForRun(
        fleet,
        runId,
        (r) => r.status === 'interrupted',
        'interrupted',
        LEASE_MS + 5000 + 15_000
      )
    } finally {
      await fleet.heal('a')
    }
    await waitForAgent(fleet, 'a', (a) => a?.connected === true, 'reconnected', 45_000)
    const { value: events } = await eventually(
      'the report after heal',
      () => journalOf(fleet, runId),
      (evs) => evs.some((e) => e.type === 'run.ended'),
      30_000
    )
    assertGapless(events)
    const types = events.map((e) => e.type)
    assertEndsOnce(types)
    const aborted = events.find((e) => e.type === 'run.aborted')
    assert.ok(aborted && aborted.type === 'run.aborted', types.join(' '))
    assert.match(aborted.reason, /lost the Chaos Center/)
    const run = (await waitForRun(fleet, runId, (r) => r.result !== undefined, 'with a result'))
      .value
    assert.equal(run.status, 'interrupted')
    assert.equal(run.verdict, 'interrupted', 'interrupted on the agent too')
  })

  test('(c) cut off for less than the lease: the run goes on and passes, its journal complete', async () => {
    const { runId } = await pausedRun('cut-short', 6)
    await fleet.cut('a')
    // Until the server drops the socket (2 heartbeats), well under the 4 s lease.
    await waitForAgent(fleet, 'a', (a) => a?.connected === false, 'disconnected', kDisconnectMs)
    assert.equal((await pausedIn(fleet, 'a')).length, 1, 'still paused: no rollback yet')
    await fleet.heal('a')
    await waitForAgent(fleet, 'a', (a) => a?.connected === true, 'reconnected', 45_000)
    const { value: run } = await waitForRun(
      fleet,
      runId,
      (r) => r.status === 'finished',
      'finished',
      60_000
    )
    assert.equal(run.verdict, 'pass', run.reason)
    const events = await journalOf(fleet, runId)
    assertGapless(events)
    assertEndsOnce(events.map((e) => e.type))
  })
})
