import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { loadExperimentText } from '../experiment/load.js'
import { dryRunLines } from '../engine/dry-run.js'
import { planSteps } from '../engine/plan.js'

const manifest = (capacity: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: cap }
spec:
  hypothesis: losing a replica costs at most half
  system:
    services:
      - { name: api, command: node, args: [api.mjs], replicas: 2, ports: { http: 0 } }
  steps:
    - name: find
      capacity:
${capacity
  .trim()
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`

const good = `
load: { url: 'http://127.0.0.1:{{services.api.ports.http}}/', timeout: 2s }
thresholds: { http_req_failed: ['rate<0.01'] }
start: 100
precision: 10%
trial: 3s
warmup: 1s
fault: { type: process-kill, target: { service: api, mode: one }, duration: 5m }
expect: { maxLoss: 60% }
`

function problems(capacity: string): string {
  try {
    loadExperimentText(manifest(capacity), '/tmp/cap.yaml')
    return ''
  } catch (error) {
    return (error as Error).message
  }
}

describe('a capacity step in a manifest', () => {
  test('resolves with its defaults, its fault and its expectation', () => {
    const experiment = loadExperimentText(manifest(good), '/tmp/cap.yaml')
    const step = experiment.root.kind === 'serial' ? experiment.root.children[0] : undefined
    assert.ok(step?.kind === 'capacity')
    const c = step.capacity
    assert.equal(c.start, 100)
    assert.equal(c.max, 20_000)
    assert.equal(c.growth, 2)
    assert.equal(c.precision, 0.1)
    assert.equal(c.trialMs, 3000)
    assert.equal(c.warmupMs, 1000)
    assert.equal(c.faultMode, 'held')
    assert.equal(c.fault?.id, 'run.0/fault')
    assert.equal(c.fault?.durationMs, 300_000)
    assert.deepEqual(c.expect, { maxLossPercent: 60 })
    assert.deepEqual(
      c.thresholds.map((t) => t.expression),
      ['rate<0.01']
    )
    assert.equal(c.load.thresholds.length, 0)
    const planned = planSteps(experiment).find((p) => p.id === 'run.0')
    assert.equal(planned?.kind, 'capacity')
    assert.equal(planned?.scored, true)
    assert.equal(planned?.faultType, 'process-kill')
  })

  test('the dry run says what it will search and what the fault will do', async () => {
    const lines = (await dryRunLines(loadExperimentText(manifest(good), '/tmp/cap.yaml'))).join(
      '\n'
    )
    assert.match(
      lines,
      /find: capacity GET .*: 100→20000 req\/s ×2, ±10 %, trials of 3s \(1s warm-up\), at most \d+ trials per phase, then again with process-kill \(held up to 5m\)/
    )
    assert.match(lines, /threshold http_req_failed: rate<0.01/)
    assert.match(lines, /find: .*kill/i)
  })

  test('bad fields are named with file:line and path', () => {
    assert.match(
      problems(good.replace('start: 100', 'start: 100\nmax: 50')),
      /cap\.yaml:\d+.*capacity\.max.*at least start/
    )
    assert.match(
      problems(good.replace('trial: 3s', 'trial: 1500ms')),
      /capacity\.trial.*1s longer than warmup/
    )
    assert.match(
      problems(good.replace("['rate<0.01']", "['rat<0.01']")),
      /capacity\.thresholds\.http_req_failed/
    )
    assert.match(
      problems(good.replace('service: api', 'service: apx')),
      /capacity\.fault\.target\.service.*no service named 'apx'/
    )
    assert.match(
      problems(good.replace('precision: 10%', 'precision: ten')),
      /capacity\.precision.*percentage/
    )
    assert.match(
      problems(good.replace('fault: {', 'faults: {')),
      /capacity\.faults: unknown field \(did you mean 'fault'\?\)/
    )
    assert.match(problems(good.replace(/fault: .*\n/, '')), /capacity\.expect.*needs a fault/)
  })
})

describe('capacity fault fields accepted but not carried out are refused (S7)', () => {
  test('fault.after names file:line and the field', () => {
    const message = problems(good.replace('duration: 5m }', 'duration: 5m, after: 30s }'))
    assert.match(message, /\/tmp\/cap\.yaml:\d+/)
    assert.match(message, /fault\.after/)
    assert.match(message, /not supported in a capacity step/)
  })

  test('no threshold: the default one judges', () => {
    const experiment = loadExperimentText(
      manifest(good.replace("thresholds: { http_req_failed: ['rate<0.01'] }\n", '')),
      '/tmp/cap.yaml'
    )
    const step = experiment.root.kind === 'serial' ? experiment.root.children[0] : undefined
    assert.ok(step?.kind === 'capacity')
    assert.deepEqual(
      step.capacity.thresholds.map((t) => `${t.metric} ${t.expression}`),
      ['http_req_failed rate<0.01']
    )
  })
})
