import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadExperimentText } from '../experiment/load.js'
import { compileMonitor } from './compile.js'
import type { Observation } from './observation.js'

const manifest = (monitors: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: monitored }
spec:
  hypothesis: the API comes back after a kill
  system:
    services:
      - { name: api, command: sleep, args: ['60'], ports: { http: 0 } }
  probes:
    - { name: api-up, type: http, mode: SOT, url: 'http://127.0.0.1:{{services.api.ports.http}}/' }
  steps:
    - fault: { type: process-kill, target: { service: api }, duration: 1s }
  monitors:
${monitors}
`
const kComesBack = `    - name: comes-back
      initial: up
      poll: [{ probe: api-up, every: 100ms }]
      observe: [fault.injected]
      states:
        up:
          when:
            - { on: fault.injected, field: faultType, comparator: { type: string, criteria: equal, value: process-kill }, goto: killed, within: 2s }
        killed:
          when:
            - { on: api-up, passed: false, goto: down, within: 5s }
          timeout: fail
        down:
          when:
            - { on: api-up, passed: true, goto: back }
          timeout: fail
        back:
          accepting: true`

function error(text: string): string {
  try {
    loadExperimentText(text, '/tmp/m.yaml')
  } catch (e) {
    return (e as Error).message
  }
  return 'loaded'
}

const probe = (passed: boolean, value?: number): Observation => ({
  kind: 'probe',
  name: 'api-up',
  passed,
  message: passed ? 'status 200' : 'connect ECONNREFUSED',
  ...(value === undefined ? {} : { value }),
})
const injected: Observation = {
  kind: 'event',
  name: 'fault.injected',
  fields: { faultType: 'process-kill', targets: ['api-0'] },
}

describe('spec.monitors (YAML)', () => {
  it('loads and resolves: sources, poll, durations', () => {
    const e = loadExperimentText(manifest(kComesBack), '/tmp/m.yaml')
    const m = e.monitors![0]!
    assert.deepEqual(m.sources, ['fault.injected', 'api-up'])
    assert.deepEqual(m.poll, [{ probe: 'api-up', everyMs: 100 }])
    assert.deepEqual(m.states['up']!.when[0]!.then, {
      kind: 'goto',
      state: 'killed',
      withinMs: 2000,
    })
    assert.equal(m.states['back']!.accepting, true)
    assert.equal(m.path, 'spec.monitors[0]')
  })

  it('compiled: goes down during the kill and comes back → accept', () => {
    const def = compileMonitor(
      loadExperimentText(manifest(kComesBack), '/tmp/m.yaml').monitors![0]!
    )
    const m = def.start(0)
    m.observe(probe(true), 50)
    m.observe(injected, 100)
    m.observe(probe(false), 200)
    m.observe(probe(false), 300)
    m.observe(probe(true), 900)
    m.finish(2000)
    assert.equal(m.verdict?.verdict, 'accept')
    assert.deepEqual(
      m.transitions.map((t) => [t.from, t.to, t.rule, t.observation]),
      [
        ['up', 'killed', 'when[0]', 'fault.injected (faultType=process-kill, targets=api-0)'],
        ['killed', 'down', 'when[0]', 'api-up failed: connect ECONNREFUSED'],
        ['down', 'back', 'when[0]', 'api-up passed: status 200'],
        ['back', 'accept', undefined, undefined],
      ]
    )
  })

  it('compiled: never comes back → the steps end in down, which names the state', () => {
    const def = compileMonitor(
      loadExperimentText(manifest(kComesBack), '/tmp/m.yaml').monitors![0]!
    )
    const m = def.start(0)
    m.observe(injected, 100)
    m.observe(probe(false), 200)
    m.observe(probe(false), 3000)
    assert.equal(m.verdict?.verdict, undefined, 'down has 5s')
    m.finish(4000)
    assert.equal(m.verdict?.verdict, 'fail')
    assert.equal(m.verdict?.reason, "still in state 'down' when the steps ended")
  })

  it('compiled: a kill the API does not notice within 2s → the killed state times out', () => {
    const def = compileMonitor(
      loadExperimentText(manifest(kComesBack), '/tmp/m.yaml').monitors![0]!
    )
    const m = def.start(0)
    m.observe(injected, 100)
    m.observe(probe(true), 2000)
    m.observe(probe(true), 2200)
    assert.equal(m.verdict?.reason, "no transition left state 'killed' within 2s")
    assert.equal(m.verdict?.at, 2100)
  })

  it('a comparator over a probe value, and observations it does not observe are ignored', () => {
    const e = loadExperimentText(
      manifest(`    - name: slow
      initial: s
      observe: [api-up]
      states:
        s:
          when:
            - { comparator: { type: int, criteria: '>=', value: 500 }, fail: server error }`),
      '/tmp/m.yaml'
    )
    const m = compileMonitor(e.monitors![0]!).start(0)
    m.observe({ kind: 'probe', name: 'other', passed: true, message: '', value: 503 }, 1)
    m.observe(probe(true, 200), 2)
    assert.equal(m.verdict?.verdict, undefined)
    m.observe(probe(false, 503), 3)
    assert.equal(m.verdict?.reason, 'server error')
  })

  it('unknown states, probes and events: file, line and field, with a did-you-mean', () => {
    const text = manifest(`    - name: typos
      initial: upp
      poll: [{ probe: api-upp, every: 1s }]
      states:
        up:
          when:
            - { on: fault.injectd, goto: donw }
            - { on: api-up, passed: false, goto: up }
          timeout: acept
        fail: {}`)
    const message = error(text)
    const lines = message.split('\n')
    const line = (n: number, field: string, text: string) =>
      assert.ok(
        lines.some((l) => l.startsWith(`/tmp/m.yaml:${n}: spec.monitors[0].${field}: ${text}`)),
        `${n} ${field}: ${text}\nin:\n${message}`
      )
    line(15, 'initial', "no state 'upp' in monitor typos (did you mean 'up'?)")
    line(
      16,
      'poll[0].probe',
      "no probe named 'api-upp' in spec.probes or a step (did you mean 'api-up'?)"
    )
    line(
      20,
      'states.up.when[0].on',
      "no probe or observable event named 'fault.injectd' (did you mean 'fault.injected'?)"
    )
    line(20, 'states.up.when[0].goto', "no state 'donw' in monitor typos; states: up, fail")
    line(22, 'states.up.timeout', "no state 'acept' in monitor typos (did you mean 'accept'?)")
    line(23, 'states.fail', "'fail' is a verdict, not a state name")
  })

  it('conditions that do not fit: two actions, within without goto; passed on an event, fields', () => {
    const message = error(
      manifest(`    - name: m
      initial: s
      states:
        s:
          when:
            - { on: api-up, goto: s, fail: both }
            - { on: api-up, accept: true, within: 1s }`)
    )
    assert.match(
      message,
      /m\.yaml:19: spec\.monitors\[0\]\.states\.s\.when\[0\]: has both 'goto' and 'fail'/
    )
    assert.match(message, /when\[1\]\.within: goes with 'goto' only/)
    const semantic = error(
      manifest(`    - name: m
      initial: s
      states:
        s:
          when:
            - { on: fault.injected, passed: true, goto: s }
            - { on: service.exited, comparator: { type: int, criteria: '==', value: 0 }, goto: s }
            - { on: api-up, field: status, comparator: { type: int, criteria: '==', value: 0 }, goto: s }
            - { goto: s }`)
    )
    assert.match(semantic, /when\[0\]\.passed: is about probes; 'fault\.injected' is an event/)
    assert.match(semantic, /when\[1\]\.field: is required to compare an event/)
    assert.match(semantic, /when\[2\]\.field: must be 'value' or 'message' for a probe/)
    assert.match(semantic, /when\[3\]: needs 'on'/)
  })
})
