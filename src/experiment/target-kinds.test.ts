/**
 * A fault given the other kind of target is refused at validation, saying what the fault acts
 * on: never accepted and then failed at injection (exit 3) when the run reaches it.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { faultExamples, faultSchemas } from '../faults/schemas.js'
import { ManifestError } from './errors.js'
import { loadExperimentText } from './load.js'

function messages(type: string, value: Record<string, unknown>): string {
  const schema = faultSchemas.find((s) => s.shape.type.value === type)!
  const parsed = schema.safeParse(value)
  assert.equal(parsed.success, false, `${type} accepted ${JSON.stringify(value)}`)
  return parsed.error!.issues.map((i) => i.message).join('\n')
}

test('every fault names what it acts on when given the other kind of target', () => {
  for (const [type, example] of Object.entries(faultExamples)) {
    const value = example.value as Record<string, unknown>
    if ('target' in value) {
      // A process fault given a host or a proxy.
      for (const key of ['host', 'proxy']) {
        assert.match(
          messages(type, { ...value, [key]: 'n1' }),
          new RegExp(`unknown field '${key}' \\(${type} acts on processes: target: `),
          type
        )
      }
    } else {
      // A host, proxy or machine fault given a process.
      assert.match(
        messages(type, { ...value, target: { attach: 'web' } }),
        new RegExp(`unknown field 'target' \\(${type} acts on `),
        type
      )
    }
  }
  assert.match(
    messages('network-latency', { ...faultExamples['network-latency'].value, target: {} }),
    /put a proxy in front of it in spec\.system\.proxies and use proxy-toxic or http-fault/
  )
})

test('process-restart of an attached process is one line with its file:line', () => {
  const text = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: restart }
spec:
  hypothesis: h
  system:
    attach: [{ name: web, port: 8000 }]
  steps:
    - fault: { type: process-restart, target: { attach: web }, duration: 1s }
`
  assert.throws(
    () => loadExperimentText(text, 'restart.yaml'),
    (error: unknown) =>
      error instanceof ManifestError &&
      error.message ===
        'restart.yaml:9: spec.steps[0].fault.target.attach: process-restart needs a service ordeal launched (it cannot restart an attached process)'
  )
})
