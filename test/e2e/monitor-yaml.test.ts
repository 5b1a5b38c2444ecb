/**
 * A YAML monitor through the built CLI, on a real HTTP service the manifest launches: the
 * monitor must see the service go down during a process-kill and come back within 3 s. With
 * `restart: always` it does (pass); with `restart: never` it never does (fail, the transition
 * named). The test watches the service itself, beside ordeal: it polls the port and records
 * which pid answered, so "down then back" is seen independently of the monitor.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import path from 'node:path'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'
import { freePort } from '../support/free-port.js'
import { assertAllGone, launchedPids } from '../support/processes.js'

const server = `import http from 'node:http'
http.createServer((req, res) => res.end(String(process.pid))).listen(Number(process.env.PORT), '127.0.0.1')
`

function manifest(name: string, port: number, restart: 'always' | 'never'): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: the API comes back within 3s of a kill
  system:
    services:
      - name: api
        command: node
        args: [server.mjs]
        env: { PORT: '{{ports.http}}' }
        ports: { http: ${port} }
        readiness: { tcp: '{{ports.http}}', timeout: 10s }
        restart: ${restart}
        backoff: { initial: 1s }
  probes:
    - name: api-up
      type: http
      mode: SOT
      url: 'http://127.0.0.1:{{services.api.ports.http}}/'
      runProperties: { timeout: 500ms }
  steps:
    - name: kill-api
      fault: { type: process-kill, target: { service: api }, duration: 1s }
    - wait: 4s
  monitors:
    - name: comes-back
      initial: up
      poll: [{ probe: api-up, every: 100ms }]
      states:
        up:
          when:
            - on: fault.injected
              field: faultType
              comparator: { type: string, criteria: equal, value: process-kill }
              goto: killed
              within: 2s
        killed:
          when:
            - { on: api-up, passed: false, goto: down, within: 3s }
        down:
          when:
            - { on: api-up, passed: true, goto: back }
          timeout: fail
        back:
          accepting: true
`
}

/** Who answers on the port over time, polled by the test: pids, and `-` for no answer. */
function watch(port: number): { stop(): string[] } {
  const seen: string[] = []
  let stopped = false
  const once = () =>
    new Promise<string>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/', timeout: 300 }, (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve(body))
      })
      req.on('timeout', () => req.destroy())
      req.on('error', () => resolve('-'))
    })
  void (async () => {
    while (!stopped) {
      const who = await once()
      if (seen[seen.length - 1] !== who) {
        seen.push(who)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  })()
  return {
    stop: () => {
      stopped = true
      return seen
    },
  }
}

let ws: Workspace
before(() => {
  ws = workspace()
  ws.write('server.mjs', server)
})
after(() => ws.cleanup())

describe('spec.monitors through ordeal run', () => {
  test('down during the kill and back within 3s: the monitor accepts, the run passes', async () => {
    const port = await freePort()
    const watcher = watch(port)
    const r = await ws.runManifest('comes-back', manifest('comes-back', port, 'always'))
    const seen = watcher.stop()
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    // Seen by the test itself: one pid, then nothing, then another pid.
    const pids = seen.filter((s) => s !== '-')
    // (`-` before the first pid: the port before ordeal started the service; after the last:
    // the teardown.)
    const [first, second] = [...new Set(pids)]
    assert.ok(
      second !== undefined,
      `a new process answered after the kill; seen: ${seen.join(' ')}`
    )
    const gap = seen.indexOf('-', seen.indexOf(first!))
    assert.ok(
      gap > 0 && gap < seen.indexOf(second),
      `nobody answered in between; seen: ${seen.join(' ')}`
    )
    const m = r.result!.monitors![0]!
    assert.equal(m.verdict, 'accept')
    const own = m.transitions.filter((t) => t.monitor === 'comes-back')
    assert.deepEqual(
      own.map((t) => [t.from, t.to]),
      [
        ['up', 'killed'],
        ['killed', 'down'],
        ['down', 'back'],
        ['back', 'accept'],
      ]
    )
    assert.match(own[1]!.observation!, /^api-up failed: /)
    assert.match(own[2]!.observation!, /^api-up passed: /)
    // Back within the 3 s the down state allows, as the monitor timed it.
    assert.ok(Date.parse(own[2]!.at) - Date.parse(own[1]!.at) < 3000)
    const types = r.events.map((e) => e.type)
    assert.ok(types.includes('monitor.transition') && types.includes('monitor.ended'))
    assert.match(r.stdout, /monitor comes-back: killed → down on api-up failed/)
    assert.match(r.stdout, /monitors\n.*comes-back\s+accept\s+up → killed → down → back → accept/)
    assertAllGone(launchedPids(r.events))
  })

  test('never back: the monitor fails the run, naming the state, the timeout and the transition', async () => {
    const port = await freePort()
    const watcher = watch(port)
    const r = await ws.runManifest('never-back', manifest('never-back', port, 'never'))
    const seen = watcher.stop()
    assert.equal(r.exitCode, 1, r.stdout + r.stderr)
    // Seen by the test: one pid answered, then nothing until the end.
    assert.equal(seen.filter((s) => s !== '-').length, 1, `seen: ${seen.join(' ')}`)
    assert.equal(seen[seen.length - 1], '-')
    const m = r.result!.monitors![0]!
    assert.equal(m.verdict, 'fail')
    assert.equal(m.state, 'down')
    assert.equal(m.reason, "no transition left state 'down' within 3s")
    assert.equal(m.decidedBy?.from, 'down')
    assert.equal(m.decidedBy?.trigger, 'timeout')
    assert.match(
      r.result!.reason!,
      /^monitor comes-back failed: no transition left state 'down' within 3s \(comes-back: down → fail on timeout at \+[\d.]+m?s\)$/
    )
    assert.match(r.stdout, /✗ comes-back\s+fail/)
    assert.match(r.stdout, /comes-back: down → fail on timeout/)
    assertAllGone(launchedPids(r.events))
  })

  test('the examples validate', async () => {
    const r = await ws.run([
      'validate',
      path.join(repoRoot, 'examples/monitors/comes-back.yaml'),
      path.join(repoRoot, 'examples/monitors/never-back.yaml'),
    ])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const dry = await ws.run([
      'run',
      '--dry-run',
      path.join(repoRoot, 'examples/monitors/comes-back.yaml'),
    ])
    assert.equal(dry.exitCode, 0, dry.stdout + dry.stderr)
    assert.match(
      dry.stdout,
      /monitor comes-back \(states up, killed, down, back; starts in up, polls api-up every 100ms\)/
    )
  })

  test('a typo in a state is exit 2 with file, line and field', async () => {
    const yaml = manifest('typo', 12345, 'always').replace('goto: back', 'goto: bakc')
    const r = await ws.runManifest('typo', yaml)
    assert.equal(r.exitCode, 2)
    assert.match(
      r.stderr,
      /typo\.yaml:\d+: spec\.monitors\[0\]\.states\.down\.when\[0\]\.goto: no state 'bakc' in monitor comes-back \(did you mean 'back'\?\)/
    )
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
  })
})
