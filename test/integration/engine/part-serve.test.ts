/**
 * The runner's part mode (RunOptions.part, engine/part/serve.ts) in this process, driven by a
 * test playing the coordinator: only this logical host's services start, `{{services.S.host}}`
 * is the address given at prepare, the other hosts' services (given at start) reach args,
 * readiness and probes; fault, probe and load commands run concurrently; stop tears down and
 * ends the journal. The manifest loader does not know `agent:` in this branch yet, so the
 * logical hosts are set on the loaded model, as the coordinator's manifest check would allow.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadExperimentText } from '../../../src/experiment/load.js'
import { startRun } from '../../../src/engine/runner.js'
import { PartChannel } from '../../../src/engine/part/channel.js'
import type { PartCommand, PartReply } from '../../../src/platforms/agent/part.js'
import { walkSteps } from '../../../src/experiment/model.js'
import { TimingDraws } from '../../../src/engine/timing-draw.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-part-serve-'))
process.env['ORDEAL_STATE_DIR'] = stateDir
after(() => rmSync(stateDir, { recursive: true, force: true }))

const yaml = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: part-serve }
spec:
  hypothesis: h
  deadline: 1m
  system:
    services:
      - name: api
        command: python3
        args: ['-m', 'http.server', '{{ports.http}}', '--bind', '127.0.0.1']
        env: { DB: '{{services.db.host}}:{{services.db.ports.pg}}' }
        ports: { http: 0 }
        readiness: { http: 'http://127.0.0.1:{{ports.http}}/', timeout: 20s }
      - name: db
        command: sleep
        args: ['600']
        ports: { pg: 5432 }
  probes:
    - name: api-up
      type: http
      mode: Continuous
      url: 'http://{{services.api.host}}:{{services.api.ports.http}}/'
    - name: db-known
      type: cmd
      mode: EOT
      command: 'test "{{services.db.host}}:{{services.db.ports.pg}}" = 198.18.0.9:5432'
  steps:
    - serial:
        - name: pause-api
          fault:
            type: process-pause
            target: { service: api }
            after: 10ms..200ms
            duration: 300ms
        - name: orders
          load: { url: 'http://127.0.0.1:{{services.api.ports.http}}/', rate: 5, duration: 1s }
`

test('a part starts its own services and serves its coordinator until stop', async () => {
  const experiment = loadExperimentText(yaml, path.join(os.tmpdir(), 'part-serve.yaml'))
  experiment.system.services.find((s) => s.name === 'api')!.agent = 'a'
  experiment.system.services.find((s) => s.name === 'db')!.agent = 'b'
  const replies = new Map<number, (reply: PartReply) => void>()
  const channel = new PartChannel((reply) => replies.get(reply.id)?.(reply))
  let ids = 0
  const command = (c: PartCommand) =>
    new Promise<PartReply>((resolve) => {
      const id = ids++
      replies.set(id, resolve)
      channel.push({ id, command: c })
    })
  const run = startRun(experiment, {
    part: {
      name: 'a',
      agent: 'edge-a',
      centerAddresses: ['127.0.0.1'],
      allowHostNetwork: false,
      channel,
    },
  })
  const stepOf = (kind: 'fault' | 'load') =>
    [...walkSteps(experiment.root)].find((s) => s.kind === kind)!.id
  const probeId = (name: string) => experiment.root.probes.find((p) => p.name === name)!.id

  // Out of order: refused, nothing happens.
  assert.deepEqual(await command({ kind: 'start', remote: {} }), {
    id: 0,
    ok: false,
    error: 'start is out of order: the part expects prepare',
  })
  const prepared = await command({ kind: 'prepare', address: '127.0.0.1' })
  assert.ok(prepared.ok, JSON.stringify(prepared))
  const services = (prepared.value as { services: Record<string, { host: string }> }).services
  assert.deepEqual(Object.keys(services), ['api'], "only this host's services")
  assert.equal(services['api']!.host, '127.0.0.1')

  const remote = {
    db: { host: '198.18.0.9', ports: { pg: 5432 }, dataDir: '/x', replicas: [] },
  }
  const started = await command({ kind: 'start', remote })
  assert.deepEqual(started, { id: 2, ok: true, value: {} })

  // Concurrently: a fault, a load and probes (the remote service's vars reach them).
  const [fault, load, up, db] = await Promise.all([
    command({ kind: 'fault', stepId: stepOf('fault'), seed: 7 }),
    command({ kind: 'load', stepId: stepOf('load') }),
    command({ kind: 'probe', probeId: probeId('api-up') }),
    command({ kind: 'probe', probeId: probeId('db-known') }),
  ])
  assert.deepEqual(fault.ok && fault.value, {})
  // The `after` came from the coordinator's seed, not the part's own (issue 18 §5).
  const drawnAfter = run.journal.events.find((e) => e.type === 'fault.timing')
  const expected = new TimingDraws(7).next(stepOf('fault'), 'after', { minMs: 10, maxMs: 200 })
  assert.deepEqual(
    drawnAfter?.type === 'fault.timing' && [drawnAfter.field, drawnAfter.n, drawnAfter.ms],
    ['after', 1, expected.ms]
  )
  assert.deepEqual(load.ok && load.value, {})
  assert.ok(up.ok && (up.value as { passed: boolean }).passed, JSON.stringify(up))
  assert.ok(db.ok && (db.value as { passed: boolean }).passed, JSON.stringify(db))
  // A partition without --allow-host-network: the exact refusal, journaled as fault.failed.
  const refused = await command({
    kind: 'fault',
    stepId: stepOf('fault'),
    rules: [{ chain: 'OUTPUT', peer: '198.18.0.9' }],
  })
  const line =
    'agent edge-a refuses faults in its own network namespace (start it with --allow-host-network)'
  assert.deepEqual(refused, { id: 7, ok: false, error: line })
  assert.deepEqual(await command({ kind: 'probe', probeId: 'nope' }), {
    id: 8,
    ok: false,
    error: 'no probe nope in the manifest',
  })

  assert.deepEqual(await command({ kind: 'stop' }), { id: 9, ok: true, value: {} })
  const result = await run.result
  const types = run.journal.events.map((e) => e.type)
  assert.deepEqual(
    run.journal.events.find((e) => e.type === 'system.starting'),
    { ...run.journal.events.find((e) => e.type === 'system.starting'), services: ['api'] }
  )
  assert.ok(types.includes('system.ready'))
  assert.ok(types.includes('fault.injected') && types.includes('fault.reverted'))
  assert.ok(types.includes('load.started') && types.includes('load.ended'))
  assert.ok(!types.includes('probe.attempt'), 'the coordinator journals probe attempts')
  const failed = run.journal.events.find((e) => e.type === 'fault.failed')
  assert.ok(failed && failed.type === 'fault.failed' && failed.error === line)
  assert.equal(types.at(-1), 'run.ended')
  assert.ok(result)
  // Teardown left nothing: the ledger is empty.
  assert.equal(run.ledger.pending().length, 0)
})

test('a part whose services cannot start says why, tears down and ends its journal', async () => {
  const experiment = loadExperimentText(
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: part-fails }
spec:
  hypothesis: h
  system:
    services:
      - name: api
        command: 'false'
        readiness: { cmd: 'false', timeout: 2s }
  steps:
    - { name: settle, wait: 10ms }
`,
    path.join(os.tmpdir(), 'part-fails.yaml')
  )
  experiment.system.services[0]!.agent = 'a'
  const replies: PartReply[] = []
  const channel = new PartChannel((reply) => replies.push(reply))
  const run = startRun(experiment, {
    part: { name: 'a', agent: 'edge-a', centerAddresses: [], allowHostNetwork: false, channel },
  })
  channel.push({ id: 0, command: { kind: 'prepare', address: '127.0.0.1' } })
  channel.push({ id: 1, command: { kind: 'start', remote: {} } })
  await run.result
  channel.push({ id: 2, command: { kind: 'probe', probeId: 'x' } })
  assert.equal(replies[0]?.ok, true)
  assert.equal(replies[1]?.ok, false)
  assert.deepEqual(replies[2], { id: 2, ok: false, error: 'the part has ended' })
  const failed = run.journal.events.find((e) => e.type === 'system.failed')
  assert.ok(failed?.type === 'system.failed')
  assert.equal(replies[1]?.ok === false && replies[1].error, failed.error)
  assert.equal(run.journal.events.at(-1)?.type, 'run.ended')
  assert.equal(run.ledger.pending().length, 0)
})

test('an abort ends a serving part: its fault is reverted, the run ends aborted', async () => {
  const experiment = loadExperimentText(yaml, path.join(os.tmpdir(), 'part-serve.yaml'))
  experiment.system.services.find((s) => s.name === 'api')!.agent = 'a'
  const replies: PartReply[] = []
  const channel = new PartChannel((reply) => replies.push(reply))
  const run = startRun(experiment, {
    part: { name: 'a', agent: 'edge-a', centerAddresses: [], allowHostNetwork: false, channel },
  })
  const faultId = [...walkSteps(experiment.root)].find((s) => s.kind === 'fault')!.id
  channel.push({ id: 0, command: { kind: 'prepare', address: '127.0.0.1' } })
  channel.push({
    id: 1,
    command: {
      kind: 'start',
      remote: { db: { host: '198.18.0.9', ports: { pg: 5432 }, dataDir: '/x', replicas: [] } },
    },
  })
  await new Promise<void>((resolve) =>
    run.journal.subscribe((e) => e.type === 'system.ready' && resolve())
  )
  channel.push({ id: 2, command: { kind: 'fault', stepId: faultId } })
  await new Promise<void>((resolve) =>
    run.journal.subscribe((e) => e.type === 'fault.injected' && resolve())
  )
  run.abort('signal', 'the coordinator went away')
  await run.result
  const types = run.journal.events.map((e) => e.type)
  assert.ok(types.includes('run.aborted'))
  assert.ok(types.indexOf('fault.reverted') > types.indexOf('fault.injected'))
  assert.deepEqual(replies.at(-1), { id: 2, ok: true, value: {} })
  assert.equal(run.ledger.pending().length, 0)
})
