import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isSameProcess } from '../../../../src/safety/proc.js'
import { listPids, statSummary } from '../../../../src/safety/proc-scan.js'
import { SystemStartError } from '../../../../src/platforms/local/supervisor.js'
import {
  createFixture,
  Harness,
  liveGroups,
  nodeSpec,
  serverSpec,
  type Fixture,
} from './helpers.js'

let fixture: Fixture
let harness: Harness

before(async () => {
  fixture = await createFixture()
  harness = new Harness(fixture)
})
after(async () => {
  await harness.teardown()
  await fixture.cleanup()
})

/** Live members of the group other than its leader. */
function grandchildren(pgid: number): number[] {
  return listPids().filter((pid) => {
    const stat = statSummary(pid)
    return pid !== pgid && stat?.pgrp === pgid && stat.state !== 'Z'
  })
}

/**
 * `kill(-pgid, 0)` fails for every launched group, or the only members left are zombies that
 * this VM's pid 1 has not reaped yet (it reaps orphans every few seconds).
 */
function assertNoProcessLeft(pgids: number[]): void {
  for (const pgid of pgids) {
    let exists = true
    try {
      process.kill(-pgid, 0)
    } catch (error) {
      assert.equal((error as NodeJS.ErrnoException).code, 'ESRCH')
      exists = false
    }
    if (exists) {
      const members = listPids().filter((pid) => statSummary(pid)?.pgrp === pgid)
      assert.deepEqual(
        members.map((pid) => statSummary(pid)?.state).filter((s) => s !== 'Z'),
        []
      )
    }
  }
}

const shellWrapped = (fixture: Fixture, name: string, script: string) =>
  serverSpec(fixture, { name, command: '/bin/sh', args: ['-c', script], gracePeriodMs: 300 })

describe('LocalSupervisor stop', () => {
  it('kills grandchildren spawned by a replica (sh -c "sleep 300 & exec node server")', async () => {
    const supervisor = harness.supervisor([
      shellWrapped(
        fixture,
        'wrapped',
        `sleep 300 & exec '${process.execPath}' '${fixture.server}' {{ports.http}}`
      ),
    ])
    await supervisor.start()
    const leader = supervisor.replicas('wrapped')[0]!.pid!
    const [sleeper] = grandchildren(leader)
    assert.ok(sleeper !== undefined && isSameProcess(sleeper), 'the sleep grandchild runs')
    await supervisor.stop()
    assert.equal(isSameProcess(sleeper), false)
    assertNoProcessLeft(supervisor.launchedPids())
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('kills a grandchild that ignores SIGTERM and outlives its leader, after the grace period', async () => {
    // `trap '' TERM` is inherited by the background sleep; the exec'd server gets it back.
    const supervisor = harness.supervisor([
      shellWrapped(
        fixture,
        'stubborn-child',
        `trap '' TERM; sleep 300 & trap - TERM; exec '${process.execPath}' '${fixture.server}' {{ports.http}}`
      ),
    ])
    await supervisor.start()
    const leader = supervisor.replicas('stubborn-child')[0]!.pid!
    const [sleeper] = grandchildren(leader)
    assert.ok(sleeper !== undefined)
    const t0 = Date.now()
    await supervisor.stop()
    assert.ok(Date.now() - t0 >= 300, 'waited for the grace period before SIGKILL')
    assert.equal(isSameProcess(sleeper), false)
    const exited = await harness.event('service.exited', (e) => e.pid === leader)
    assert.deepEqual([exited.code, exited.expected], [0, true])
    assertNoProcessLeft(supervisor.launchedPids())
  })

  it('clears the group of a leader that exited on its own, leaving a background child', async () => {
    const supervisor = harness.supervisor([
      serverSpec(fixture, {
        name: 'forker',
        command: '/bin/sh',
        args: ['-c', 'sleep 300 & echo forked $!; exit 0'],
        readiness: undefined,
        restart: 'never',
      }),
    ])
    await supervisor.start()
    const leader = supervisor.launchedPids()[0]!
    await harness.event('service.exited', (e) => e.pid === leader)
    await supervisor.stop()
    assert.deepEqual(grandchildren(leader), [])
    assertNoProcessLeft([leader])
  })

  it('continues a paused replica so it can shut down gracefully', async () => {
    const supervisor = harness.supervisor([serverSpec(fixture, { name: 'paused' })])
    await supervisor.start()
    const pid = supervisor.replicas('paused')[0]!.pid!
    process.kill(-pid, 'SIGSTOP')
    await supervisor.stop()
    const exited = await harness.event('service.exited', (e) => e.pid === pid)
    // Exit code 0 is the fixture's SIGTERM handler: no SIGKILL was needed.
    assert.deepEqual([exited.code, exited.signal, exited.expected], [0, null, true])
    assertNoProcessLeft([pid])
  })

  it('is idempotent, stops every replica as expected and never restarts during stop', async () => {
    const supervisor = harness.supervisor([
      serverSpec(fixture, { name: 'many', replicas: 3, restart: 'always' }),
    ])
    await supervisor.start()
    const pids = supervisor.replicas('many').map((r) => r.pid)
    const first = supervisor.stop()
    assert.equal(supervisor.stop(), first)
    await first
    await supervisor.stop()
    const exits = harness.events('service.exited').filter((e) => e.service === 'many')
    assert.deepEqual(exits.map((e) => e.pid).sort(), [...pids].sort())
    assert.ok(exits.every((e) => e.expected))
    assert.deepEqual(
      harness.events('service.restarting').filter((e) => e.service === 'many'),
      []
    )
    assert.deepEqual(
      supervisor.replicas('many').map((r) => r.state),
      ['stopped', 'stopped', 'stopped']
    )
    assert.deepEqual(supervisor.targets('many'), [])
    await assert.rejects(supervisor.restartReplica('many', 0, 100), /ordeal is stopping/)
    assertNoProcessLeft(supervisor.launchedPids())
  })

  it('aborts a start in progress', async () => {
    const supervisor = harness.supervisor([
      nodeSpec(fixture, 'slow', 'setInterval(() => {}, 1000)', {
        readiness: { kind: 'cmd', target: 'false', timeoutMs: 30_000 },
      }),
    ])
    const starting = supervisor.start()
    await harness.event('service.started', (e) => e.service === 'slow')
    const t0 = Date.now()
    await supervisor.stop()
    await assert.rejects(starting, (error: unknown) => {
      assert.ok(error instanceof SystemStartError)
      assert.match(error.message, /replica 0 failed to start: ordeal stopped while it was starting/)
      return true
    })
    assert.ok(Date.now() - t0 < 3000)
    assertNoProcessLeft(supervisor.launchedPids())
  })
})
