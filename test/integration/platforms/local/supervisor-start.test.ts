import assert from 'node:assert/strict'
import { statSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { freePort } from '../../../../src/platforms/local/ports.js'
import { processStartTime } from '../../../../src/safety/proc.js'
import { SystemStartError } from '../../../../src/platforms/local/supervisor.js'
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

/** `count` consecutive free loopback ports, for a declared base port. */
async function freeBase(count: number): Promise<number> {
  for (;;) {
    const base = await freePort()
    if (base + count < 65536 && (await allFree(base, count))) {
      return base
    }
  }
}

async function allFree(base: number, count: number): Promise<boolean> {
  const { createServer } = await import('node:net')
  for (let port = base; port < base + count; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
    })
    if (!free) {
      return false
    }
  }
  return true
}

describe('LocalSupervisor start', () => {
  it('gives replicas distinct ports and data dirs, and exposes them as template vars', async () => {
    const supervisor = harness.supervisor([
      serverSpec(fixture, { replicas: 3, ports: { http: 0, admin: 0 } }),
    ])
    await supervisor.start()
    const replicas = supervisor.replicas('api')
    const ports = replicas.flatMap((r) => [r.ports['http'], r.ports['admin']])
    assert.equal(new Set(ports).size, 6)
    assert.equal(new Set(replicas.map((r) => r.dataDir)).size, 3)
    for (const replica of replicas) {
      assert.equal(replica.state, 'running')
      assert.equal(replica.generation, 1)
      assert.ok(replica.dataDir.endsWith(`/data/api-${replica.index}`))
      assert.ok(statSync(replica.dataDir).isDirectory())
      const answer = JSON.parse((await get(`http://127.0.0.1:${replica.ports['http']}/`)).body)
      assert.deepEqual(answer, {
        pid: replica.pid,
        port: replica.ports['http'],
        dataDir: replica.dataDir,
      })
    }
    const vars = supervisor.templateVars() as { services: { api: Record<string, unknown> } }
    assert.deepEqual(vars.services.api['ports'], replicas[0]!.ports)
    assert.equal(vars.services.api['dataDir'], replicas[0]!.dataDir)
    assert.equal(vars.services.api['host'], '127.0.0.1') // on no host of its own
    assert.deepEqual(
      vars.services.api['replicas'],
      replicas.map((r) => ({
        index: r.index,
        host: '127.0.0.1',
        ports: r.ports,
        dataDir: r.dataDir,
        pid: r.pid,
      }))
    )
    const targets = supervisor.targets('api')
    assert.deepEqual(
      targets.map((t) => [t.label, t.pid, t.groupLeader, t.replica, t.startTime]),
      replicas.map((r) => [`api-${r.index}`, r.pid, true, r.index, processStartTime(r.pid!)])
    )
    await supervisor.stop()
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('uses base + index for a declared base port, and one service can reference another', async () => {
    const base = await freeBase(2)
    const supervisor = harness.supervisor([
      serverSpec(fixture, { name: 'db', ports: { http: 0 } }),
      serverSpec(fixture, {
        replicas: 2,
        ports: { http: base },
        env: { DATA_DIR: '{{dataDir}}', DB_URL: 'http://127.0.0.1:{{services.db.ports.http}}' },
      }),
    ])
    await supervisor.prepare()
    assert.deepEqual(
      supervisor.replicas('api').map((r) => r.ports['http']),
      [base, base + 1]
    )
    await supervisor.start()
    const mine = new Set(supervisor.launchedPids())
    const started = harness
      .events('service.started')
      .filter((e) => mine.has(e.pid))
      .map((e) => `${e.service}-${e.replica}`)
    // Services in order: db is ready before any api replica starts.
    assert.ok(started.indexOf('db-0') < started.indexOf('api-0'))
    assert.equal((await get(`http://127.0.0.1:${base + 1}/`)).status, 200)
    await supervisor.stop()
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('prefixes every stdout and stderr line, joining partial writes', async () => {
    const supervisor = harness.supervisor([serverSpec(fixture, { name: 'chatty', replicas: 2 })])
    await supervisor.start()
    for (const i of [0, 1]) {
      const port = supervisor.replicas('chatty')[i]!.ports['http']
      await harness.line(`[chatty-${i}] listening on ${port}`)
      await harness.line(`[chatty-${i}] hello from stderr`)
      await harness.line(`[chatty-${i}] partial line`)
    }
    await supervisor.stop()
  })

  for (const kind of ['http', 'tcp', 'cmd'] as const) {
    it(`waits for ${kind} readiness and emits service.ready`, async () => {
      const target = {
        http: 'http://127.0.0.1:{{ports.http}}/',
        tcp: '{{ports.http}}',
        cmd: 'test -f {{dataDir}}/ready',
      }[kind]
      const name = `ready-${kind}`
      const supervisor = harness.supervisor([
        serverSpec(fixture, { name, readiness: { kind, target, timeoutMs: 5000 } }),
      ])
      await supervisor.start()
      const replica = supervisor.replicas(name)[0]!
      const ready = await harness.event('service.ready', (e) => e.service === name)
      assert.equal(ready.pid, replica.pid)
      // Readiness held before start() returned: the server answers now.
      assert.equal((await get(`http://127.0.0.1:${replica.ports['http']}/`)).status, 200)
      await supervisor.stop()
    })
  }

  it('fails start with SystemStartError within the timeout when never ready, and cleans up', async () => {
    const supervisor = harness.supervisor([
      serverSpec(fixture, { name: 'ok' }),
      nodeSpec(fixture, 'stuck', "console.log('booting forever'); setInterval(() => {}, 1000)", {
        ports: { http: 0 },
        readiness: { kind: 'tcp', target: '{{ports.http}}', timeoutMs: 800 },
      }),
    ])
    const t0 = Date.now()
    const error = await supervisor.start().then(
      () => assert.fail('start should fail'),
      (e: unknown) => e
    )
    const elapsed = Date.now() - t0
    assert.ok(error instanceof SystemStartError)
    assert.equal(error.code, 'ORDEAL_SYSTEM_START')
    assert.match(error.message, /service 'stuck' replica 0 failed to start: not ready within 800ms/)
    assert.match(error.message, /ECONNREFUSED/)
    assert.match(error.message, /\[stuck-0\] booting forever/)
    assert.ok(elapsed < 800 + 3000, `took ${elapsed}ms`)
    assert.deepEqual(liveGroups(supervisor), [])
    assert.equal(supervisor.launchedPids().length, 2)
    assert.deepEqual(
      supervisor.replicas('ok').map((r) => r.state),
      ['stopped']
    )
  })

  it('fails start when a replica with restart: never exits before it is ready, naming the exit and its last output', async () => {
    const supervisor = harness.supervisor([
      nodeSpec(fixture, 'crash', "console.error('fatal: no config'); process.exit(1)", {
        readiness: { kind: 'cmd', target: 'false', timeoutMs: 5000 },
        restart: 'never',
      }),
    ])
    const error = await supervisor.start().then(
      () => assert.fail('start should fail'),
      (e: unknown) => e as Error
    )
    assert.ok(error instanceof SystemStartError)
    assert.match(
      error.message,
      /service 'crash' replica 0 failed to start: exited with code 1 before it was ready/
    )
    assert.match(error.message, /\[crash-0\] fatal: no config/)
    assert.deepEqual(
      harness.events('service.restarting').filter((e) => e.service === 'crash'),
      []
    )
  })

  it('a replica that exits at once on every start (restart: always) fails fast as a crash loop', async () => {
    const supervisor = harness.supervisor([
      nodeSpec(fixture, 'crash-loop', "console.error('fatal: no config'); process.exit(1)", {
        // A readiness timeout far longer than the test: only crash-loop detection ends it.
        readiness: { kind: 'cmd', target: 'false', timeoutMs: 600_000 },
        backoff: { initialMs: 100, maxMs: 400 },
      }),
    ])
    const error = await supervisor.start().then(
      () => assert.fail('start should fail'),
      (e: unknown) => e as Error
    )
    assert.match(
      error.message,
      /service 'crash-loop' replica 0 failed to start: crash loop: exited with code 1 before it was ready, 3 times in a row within 2s of starting/
    )
    assert.match(
      error.message,
      /last output of crash-loop-0:\n {2}\[crash-loop-0\] fatal: no config/
    )
    const of = (type: 'service.started' | 'service.restarting') =>
      harness.events(type).filter((e) => e.service === 'crash-loop')
    assert.equal(of('service.started').length, 3)
    assert.equal(of('service.restarting').length, 2, 'restarted with backoff in between')
    assert.deepEqual(liveGroups(supervisor), [])
  })

  it('a replica that crashes twice while starting and then comes up is started (restart: always)', async () => {
    const counter = `${fixture.dir}/flaky-starts`
    const script = `const fs = require('fs'); const f = process.argv[1];
      const n = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0; fs.writeFileSync(f, String(n + 1));
      if (n < 2) { console.error('not yet'); process.exit(1) }
      require('http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[2]))`
    const supervisor = harness.supervisor([
      nodeSpec(fixture, 'flaky', script, {
        args: [counter, '{{ports.http}}'],
        ports: { http: 0 },
        readiness: { kind: 'http', target: 'http://127.0.0.1:{{ports.http}}/', timeoutMs: 20_000 },
        backoff: { initialMs: 50, maxMs: 400 },
      }),
    ])
    await supervisor.start()
    assert.equal(harness.events('service.started').filter((e) => e.service === 'flaky').length, 3)
    await supervisor.stop()
  })

  it('fails start when the command does not exist or a port is taken', async () => {
    const missing = harness.supervisor([
      serverSpec(fixture, { name: 'ghost', command: 'ordeal-no-such-command' }),
    ])
    await assert.rejects(
      missing.start(),
      /service 'ghost' replica 0 failed to start: cannot run 'ordeal-no-such-command'/
    )

    const first = harness.supervisor([serverSpec(fixture, { name: 'holder' })])
    await first.start()
    const port = first.replicas('holder')[0]!.ports['http']!
    const second = harness.supervisor([
      serverSpec(fixture, { name: 'late', ports: { http: port } }),
    ])
    await assert.rejects(
      second.start(),
      new RegExp(`port http=${port} is already in use by pid ${first.replicas('holder')[0]!.pid}`)
    )
    assert.deepEqual(second.launchedPids(), [])
    await first.stop()
  })
})
