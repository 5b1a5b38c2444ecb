import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { ManifestError } from './errors.js'
import { loadExperimentText } from './load.js'
import { walkSteps } from './model.js'
import { stepNames } from './step-names.js'
import type { StepInputType } from './schema.js'

function manifest(steps: string): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: shop
spec:
  hypothesis: it holds
  system:
    services:
      - name: api
        command: node
        args: [server.js]
      - name: db
        command: node
        args: [db.js]
  steps:
${steps}
`
}

const names = (text: string) =>
  [...walkSteps(loadExperimentText(text, 'exp.yaml', { env: {} }).root)].slice(1).map((s) => s.name)

describe('step names', () => {
  test('generated from what the step does, never an internal id', () => {
    const got = names(
      manifest(`    - parallel:
        - fault: {type: process-kill, target: {service: api}, duration: 5s}
        - load: {url: 'http://127.0.0.1:1/', rate: 10, duration: 5s}
    - wait: 2s
    - serial:
        - fault: {type: process-pause, target: {service: db}, duration: 1s}`)
    )
    assert.deepEqual(got, [
      'parallel: process-kill of api + load GET 10/s',
      'process-kill of api',
      'load GET 10/s',
      'wait 2s',
      'serial: process-pause of db',
      'process-pause of db',
    ])
    for (const name of got) {
      assert.doesNotMatch(name, /run\.\d|parallel \d|serial \d/)
    }
  })

  test('the manifest name is used as written; a generated name that collides gets its place', () => {
    const got = names(
      manifest(`    - fault: {type: process-kill, target: {service: api}, duration: 1s}
    - name: kill-api-again
      fault: {type: process-kill, target: {service: api}, duration: 1s}
    - serial:
        - fault: {type: process-kill, target: {service: api}, duration: 1s}`)
    )
    assert.deepEqual(got, [
      'process-kill of api (step 1)',
      'kill-api-again',
      'serial: process-kill of api',
      'process-kill of api (step 3.1)',
    ])
  })

  test('two steps with one name: file:line, the path, where it was first used', () => {
    const text = manifest(`    - name: kill
      fault: {type: process-kill, target: {service: api}, duration: 1s}
    - parallel:
        - name: kill
          fault: {type: process-kill, target: {service: db}, duration: 1s}`)
    assert.throws(
      () => loadExperimentText(text, 'exp.yaml', { env: {} }),
      (error: unknown) => {
        assert.ok(error instanceof ManifestError)
        assert.match(
          error.message,
          /^exp\.yaml:19: spec\.steps\[1\]\.parallel\[0\]\.name: duplicate step name 'kill' \(first used at spec\.steps\[0\]\)/m
        )
        return true
      }
    )
  })

  test('a `name:` can never equal a suffixed generated name: spaces are refused', () => {
    // Unnamed `wait: 5s` at step 2 reads `wait 5s (step 2)`: a step cannot be named so.
    const text = manifest(`    - name: wait 5s (step 2)
      wait: 1s
    - wait: 5s
    - wait: 5s`)
    assert.throws(
      () => loadExperimentText(text, 'exp.yaml', { env: {} }),
      (error: unknown) => {
        assert.ok(error instanceof ManifestError)
        assert.match(
          error.message,
          /^exp\.yaml:\d+: spec\.steps\[0\]\.name: must be lowercase letters, digits and dashes/m
        )
        return true
      }
    )
  })

  test('property: names are unique and the same every time', () => {
    const leaf = fc.oneof(
      fc.constantFrom('api', 'db').map((service): StepInputType => ({
        fault: { type: 'process-kill', target: { service }, duration: '1s' },
      })),
      fc.constantFrom('1s', '2s').map((wait): StepInputType => ({ wait }))
    )
    const step: fc.Arbitrary<StepInputType> = fc.letrec<{ step: StepInputType }>((tie) => ({
      step: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('step'), { minLength: 1, maxLength: 3 }).map((parallel) => ({ parallel })),
        fc.array(tie('step'), { minLength: 1, maxLength: 3 }).map((serial) => ({ serial }))
      ),
    })).step
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 5 }), (steps) => {
        const first = [...stepNames(steps).values()]
        assert.equal(new Set(first).size, first.length, first.join(' | '))
        assert.deepEqual([...stepNames(steps).values()], first)
      })
    )
  })
})
