import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { RestartPolicy } from '../../../../src/experiment/model.js'
import { isSameProcess } from '../../../../src/safety/proc.js'
import {
  createFixture,
  get,
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

async function started(name: string, restart: RestartPolicy, replicas = 1) {
  const supervisor = harness.supervisor([serverSpec(fixture, { name, restart, replicas })])
  await supervisor.start()
  return supervisor
}

describe('LocalSupervisor restart policy', () => {
  it('always: re-creates a SIGKILLed replica with a new pid, the same port, generation 2', async () => {
    const supervisor = await started('always', 'always', 2)
    const before = supervisor.replicas('always')[1]!
    process.kill(before.pid!, 'SIGKILL')
    await supervisor.waitForRestart('always', 1, before.generation, AbortSignal.timeout(10_000))
    const now = supervisor.replicas('always')[1]!
    assert.notEqual(now.pid, before.pid)
    assert.deepEqual(
      [now.ports, now.dataDir, now.generation, now.state],
      [before.ports, before.dataDir, 2, 'running']
    )
    const answer = JSON.parse((await get(`http://127.0.0.1:${now.ports['http']}/`)).body)
    assert.equal(answer.pid, now.pid)

    const exited = await harness.event('service.exited', (e) => e.pid === before.pid)
    assert.deepEqual([exited.signal, exited.code, exited.expected], ['SIGKILL', null, false])
    const restarting = await harness.event('service.restarting', (e) => e.service === 'always')
    assert.deepEqual([restarting.replica, restarting.delayMs], [1, 50])
    // The other replica was not touched.
    assert.equal(supervisor.replicas('always')[0]!.generation, 1)
    assert.deepEqual(
      supervisor.targets('always').map((t) => t.pid),
      supervisor.replicas('always').map((r) => r.pid)
    )
    await supervisor.stop()
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('always: backs off exponentially while a replica keeps crashing', async () => {
    // Crashes at once every time: 50, 100, 200 ms between attempts.
    const supervisor = harness.supervisor([
      nodeSpec(fixture, 'crashloop', 'setTimeout(() => process.exit(2), 10)', {
        restart: 'always',
      }),
    ])
    await supervisor.start()
    await harness.event('service.restarting', (e) => e.service === 'crashloop' && e.delayMs === 200)
    const delays = harness
      .events('service.restarting')
      .filter((e) => e.service === 'crashloop')
      .map((e) => e.delayMs)
    assert.deepEqual(delays.slice(0, 3), [50, 100, 200])
    await supervisor.stop()
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('on-failure: does not restart after exit 0, restarts after a non-zero exit', async () => {
    const supervisor = await started('onfail', 'on-failure', 2)
    const [zero, one] = supervisor.replicas('onfail')
    const exitedZero = harness.event('service.exited', (e) => e.pid === zero!.pid)
    await get(`http://127.0.0.1:${zero!.ports['http']}/exit?code=0`)
    assert.equal((await exitedZero).code, 0)
    // The decision is taken when the exit is handled: no timer, no restarting event.
    assert.equal(supervisor.replicas('onfail')[0]!.state, 'exited')
    await assert.rejects(
      supervisor.waitForRestart('onfail', 0, 1),
      /onfail-0 will not be restarted \(restart: on-failure\)/
    )

    await get(`http://127.0.0.1:${one!.ports['http']}/exit?code=3`)
    await supervisor.waitForRestart('onfail', 1, 1, AbortSignal.timeout(10_000))
    assert.equal(supervisor.replicas('onfail')[1]!.generation, 2)
    assert.deepEqual(
      harness
        .events('service.restarting')
        .filter((e) => e.service === 'onfail')
        .map((e) => e.replica),
      [1]
    )
    assert.deepEqual(
      supervisor.targets('onfail').map((t) => t.label),
      ['onfail-1']
    )
    await supervisor.stop()
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('never: leaves a killed replica down', async () => {
    const supervisor = await started('never', 'never')
    const before = supervisor.replicas('never')[0]!
    const exited = harness.event('service.exited', (e) => e.pid === before.pid)
    process.kill(before.pid!, 'SIGKILL')
    assert.equal((await exited).expected, false)
    const now = supervisor.replicas('never')[0]!
    assert.deepEqual([now.state, now.pid, now.generation], ['exited', undefined, 1])
    assert.deepEqual(supervisor.targets('never'), [])
    assert.deepEqual(
      harness.events('service.restarting').filter((e) => e.service === 'never'),
      []
    )
    await supervisor.stop()
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('restartReplica: stops gracefully and starts again regardless of policy', async () => {
    const supervisor = await started('manual', 'never')
    const before = supervisor.replicas('manual')[0]!
    await supervisor.restartReplica('manual', 0, 2000)
    const now = supervisor.replicas('manual')[0]!
    assert.notEqual(now.pid, before.pid)
    assert.deepEqual([now.state, now.generation, now.ports], ['running', 2, before.ports])
    assert.equal(isSameProcess(before.pid!), false)
    const exited = await harness.event('service.exited', (e) => e.pid === before.pid)
    // The fixture exits 0 on SIGTERM: the graceful path was taken, no SIGKILL needed.
    assert.deepEqual([exited.expected, exited.code], [true, 0])
    await harness.event('service.ready', (e) => e.pid === now.pid)
    await supervisor.waitForRestart('manual', 0, 1)
    await supervisor.stop()
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('restartReplica: SIGKILLs after the grace period when SIGTERM is ignored', async () => {
    const supervisor = harness.supervisor([
      nodeSpec(
        fixture,
        'stubborn',
        // Listens only once the handler is installed, so readiness means SIGTERM is ignored.
        "process.on('SIGTERM', () => console.log('ignoring SIGTERM'));" +
          "require('node:net').createServer().listen(Number(process.argv[1]), '127.0.0.1')",
        {
          args: ['{{ports.http}}'],
          ports: { http: 0 },
          readiness: { kind: 'tcp', target: '{{ports.http}}', timeoutMs: 5000 },
          restart: 'never',
          gracePeriodMs: 300,
        }
      ),
    ])
    await supervisor.start()
    const before = supervisor.replicas('stubborn')[0]!
    const t0 = Date.now()
    await supervisor.restartReplica('stubborn', 0, 300)
    assert.ok(Date.now() - t0 >= 300)
    const exited = await harness.event('service.exited', (e) => e.pid === before.pid)
    assert.deepEqual([exited.signal, exited.expected], ['SIGKILL', true])
    await harness.line('[stubborn-0] ignoring SIGTERM')
    const second = supervisor.replicas('stubborn')[0]!
    assert.equal(second.generation, 2)
    // stop() takes the same path: SIGTERM, then SIGKILL after the service's grace period.
    await supervisor.stop()
    const stopped = await harness.event('service.exited', (e) => e.pid === second.pid)
    assert.deepEqual([stopped.signal, stopped.expected], ['SIGKILL', true])
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('waitForRestart rejects when its signal aborts', async () => {
    const supervisor = await started('waiter', 'always')
    const controller = new AbortController()
    const waiting = supervisor.waitForRestart('waiter', 0, 1, controller.signal)
    controller.abort(new Error('step ended'))
    await assert.rejects(waiting, /step ended/)
    await supervisor.stop()
  })
})
