/**
 * Timeline semantics with real processes: parallel groups overlap, serial groups do not, the
 * run deadline aborts and rolls back, and attach mode touches only the process named.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { workspace, type Workspace } from '../support/cli.js'
import { alive, assertAllGone, launchedPids, state } from '../support/processes.js'

const server = `import http from 'node:http'
http.createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'))
`

const service = (name: string) => `      - name: ${name}
        command: node
        args: [server.mjs]
        env: { PORT: '{{ports.http}}' }
        ports: { http: 0 }
        readiness: { tcp: '{{ports.http}}' }
`

let ws: Workspace
before(() => {
  ws = workspace()
  ws.write('server.mjs', server)
})
after(() => ws.cleanup())

function run(name: string, spec: string) {
  return ws.runManifest(
    name,
    `apiVersion: ordeal.dev/v1\nkind: Experiment\nmetadata:\n  name: ${name}\nspec:\n  hypothesis: h\n${spec}`
  )
}

describe('timeline', () => {
  test('a parallel group overlaps its faults; OnChaos on the group covers them; serial steps follow each other', async () => {
    const r = await run(
      'parallel',
      `  system:
    services:
${service('a')}${service('b')}
  steps:
    - name: both
      parallel:
        - fault: { type: process-pause, target: { service: a }, duration: 1s }
        - fault: { type: process-pause, target: { service: b }, after: 300ms, duration: 1s }
      probes:
        - { name: a-port, type: tcp, mode: OnChaos, port: '{{services.a.ports.http}}', runProperties: { pollingInterval: 100ms } }
    - name: after
      wait: 200ms
`
    )
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const [fa, fb] = r.result!.faults
    assert.ok(fa && fb)
    const t = (iso?: string) => Date.parse(iso!)
    assert.ok(t(fb.injectedAt) < t(fa.revertedAt), 'b was injected while a was still paused')
    assert.ok(t(fb.injectedAt) - t(fa.injectedAt) >= 250, "b's `after` was honoured")
    const afterStep = r.result!.steps.find((s) => s.name === 'after')!
    assert.ok(
      Date.parse(afterStep.startedAt!) >= t(fb.revertedAt),
      'the next serial step starts after the group'
    )
    const onChaos = r.events.filter((e) => e.type === 'probe.attempt')
    assert.ok(onChaos.length >= 3, 'OnChaos iterated while the faults were active')
    assert.ok(
      onChaos.every((e) => e.t >= t(fa.injectedAt) && e.t <= t(fb.revertedAt) + 500),
      'only inside the chaos window'
    )
    assertAllGone(launchedPids(r.events))
  })

  test('the run deadline aborts, rolls back, and ends in fail with the reason (exit 1)', async () => {
    const started = Date.now()
    const r = await run(
      'deadline',
      `  deadline: 2s
  system:
    services:
${service('a')}
  steps:
    - fault: { type: process-pause, target: { service: a }, duration: 1m }
`
    )
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    assert.ok(Date.now() - started < 20_000)
    assert.equal(r.result!.verdict, 'fail')
    assert.match(r.result!.reason!, /deadline/)
    assert.ok(r.result!.faults[0]!.revertedAt)
    assertAllGone(launchedPids(r.events))
  })

  test('attach mode: pauses only the process named, resumes it, and never kills it', async () => {
    const external = spawn(process.execPath, [path.join(ws.dir, 'server.mjs')], {
      env: { ...process.env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    })
    after(() => {
      try {
        process.kill(-external.pid!, 'SIGKILL')
      } catch {
        // gone
      }
    })
    await new Promise((resolve) => external.stdout.once('data', resolve))
    const bystander = spawn(process.execPath, [path.join(ws.dir, 'server.mjs')], {
      env: { ...process.env, PORT: '0' },
      stdio: 'ignore',
      detached: true,
    })
    after(() => {
      try {
        process.kill(-bystander.pid!, 'SIGKILL')
      } catch {
        // gone
      }
    })
    const r = await run(
      'attach',
      `  system:
    attach:
      - { name: legacy, pid: ${external.pid} }
  steps:
    - name: pause-legacy
      fault: { type: process-pause, target: { attach: legacy }, duration: 1s }
`
    )
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.deepEqual(r.result!.faults[0]!.targets, [`legacy (pid ${external.pid})`])
    assert.ok(alive(external.pid!), 'an attached process is never torn down')
    assert.notEqual(state(external.pid!), 'T', 'and it was resumed')
    assert.ok(
      alive(bystander.pid!) && state(bystander.pid!) !== 'T',
      'a process not named is untouched'
    )
  })
})
