import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadExperimentText } from '../experiment/load.js'
import { convertExperiment, manifestYaml } from './convert.js'
import { parseCtkText, validateCtk } from './parse.js'

function convert(text: string, env: NodeJS.ProcessEnv = {}): ReturnType<typeof convertExperiment> {
  const { data, positions } = parseCtkText(text, 'exp.yaml')
  const { experiment, values } = validateCtk(data, 'exp.yaml', positions, env)
  return convertExperiment(experiment, values)
}

test('a hypothesis with http and process probes and a pause converts to a manifest ordeal loads', () => {
  const text = [
    'title: Orders API stays up',
    'description: d',
    'configuration:',
    '  api: { type: env, key: CTK_API_FOR_TEST, default: "http://127.0.0.1:8080" }',
    'steady-state-hypothesis:',
    '  title: The API answers and the spool is empty',
    '  probes:',
    '    - type: probe',
    '      name: api-health',
    '      tolerance: [200, 204]',
    '      provider: { type: http, url: "${api}/health", timeout: 3 }',
    '    - type: probe',
    '      name: depth',
    '      tolerance: { type: jsonpath, path: "$.depth", target: body, expect: 0 }',
    '      provider: { type: http, url: "${api}/stats" }',
    '    - type: probe',
    '      name: spool',
    '      tolerance: { type: regex, pattern: "^0$", target: stdout }',
    '      provider: { type: process, path: sh, arguments: ["-c", "ls /tmp | wc -l"] }',
    'method:',
    '  - type: probe',
    '    name: look',
    '    pauses: { after: 2 }',
    '    provider: { type: http, url: "${api}/items" }',
  ].join('\n')
  const { manifest, unsupported } = convert(text)
  assert.deepEqual(unsupported, [])
  assert.ok(manifest)
  const experiment = loadExperimentText(manifestYaml(manifest, 'exp.yaml'), 'converted.yaml')
  assert.equal(experiment.name, 'orders-api-stays-up')
  const spec = manifest['spec'] as {
    probes: Record<string, unknown>[]
    steps: Record<string, unknown>[]
  }
  assert.deepEqual(
    spec.probes.map((p) => [p['name'], p['type'], p['mode']]),
    [
      ['api-health', 'http', 'Edge'],
      ['depth', 'http', 'Edge'],
      ['spool', 'cmd', 'Edge'],
    ]
  )
  assert.equal(spec.probes[0]!['url'], 'http://127.0.0.1:8080/health')
  assert.equal(spec.probes[2]!['command'], "sh -c 'ls /tmp | wc -l'")
  assert.deepEqual(
    spec.steps.map((s) => [s['name'], s['wait']]),
    [
      ['look', '0s'],
      ['look-pause-after', '2s'],
    ]
  )
})

test('actions, rollbacks, secrets and tolerances without a comparator are named, and no manifest is made', () => {
  const text = [
    'title: t',
    'description: d',
    'secrets: { s: { token: { type: env, key: CTK_T } } }',
    'steady-state-hypothesis:',
    '  title: h',
    '  probes:',
    '    - type: probe',
    '      name: flag',
    '      tolerance: true',
    '      provider: { type: http, url: "http://127.0.0.1:1/", headers: { Authorization: "Bearer ${token}" } }',
    'method:',
    '  - type: action',
    '    name: restart-broker',
    '    provider: { type: process, path: "true" }',
    'rollbacks:',
    '  - type: action',
    '    name: start-broker',
    '    provider: { type: process, path: "true" }',
  ].join('\n')
  const { manifest, unsupported } = convert(text, { CTK_T: 'x' })
  assert.equal(manifest, undefined)
  assert.deepEqual(
    unsupported.map((u) => u.split(':')[0]),
    [
      "probe 'flag'",
      "method action 'restart-broker' (process)",
      "rollback 'start-broker'",
      "secret 'token'",
    ]
  )
})
