import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ManifestError, formatIssue } from '../experiment/errors.js'
import { parseCtkText, validateCtk, type ParsedCtk } from './parse.js'
import { isCtkExperiment } from './recognise.js'

function parse(text: string, file = 'exp.yaml', env: NodeJS.ProcessEnv = {}): ParsedCtk {
  const { data, positions } = parseCtkText(text, file)
  return validateCtk(data, file, positions, env)
}

function issues(text: string, file = 'exp.yaml', env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parse(text, file, env)
  } catch (error) {
    assert.ok(error instanceof ManifestError)
    return error.issues.map(formatIssue)
  }
  assert.fail('expected a ManifestError')
}

test('a CTK experiment is recognised by title and method without apiVersion/kind', () => {
  assert.equal(isCtkExperiment({ title: 't', method: [] }), true)
  assert.equal(isCtkExperiment({ title: 't', method: [], apiVersion: 'ordeal.dev/v1' }), false)
  assert.equal(isCtkExperiment({ title: 't' }), false)
  assert.equal(isCtkExperiment([]), false)
})

test('a python provider is one line naming the file, line, field, activity and module', () => {
  const text = [
    'title: t',
    'description: d',
    'method:',
    '  - type: action',
    '    name: kill-pod',
    '    provider:',
    '      type: python',
    '      module: chaosk8s.pod.actions',
    '      func: terminate_pods',
  ].join('\n')
  assert.deepEqual(issues(text), [
    "exp.yaml:7: method[0].provider.type: activity 'kill-pod': unsupported provider 'python' (chaosk8s.pod.actions.terminate_pods); ordeal runs http and process providers",
  ])
})

test('every problem at once, each on its own line', () => {
  const text = [
    'title: ""',
    'description: d',
    'configuration:',
    '  api: { type: env, key: CTK_MISSING_FOR_TEST }',
    'steady-state-hypothesis:',
    '  title: h',
    '  probes:',
    '    - type: probe',
    '      name: p',
    '      provider: { type: http, url: "http://127.0.0.1:1" }',
    '    - type: probe',
    '      name: q',
    '      tolerance: 0.5',
    '      provider: { type: process, path: no-such-binary-anywhere }',
    'method:',
    '  - ref: nowhere',
  ].join('\n')
  const found = issues(text)
  assert.deepEqual(found, [
    'exp.yaml:1: title: experiment requires a title',
    'exp.yaml:4: configuration.api: Configuration makes reference to an environment key that does not exist: CTK_MISSING_FOR_TEST',
    'exp.yaml:8: steady-state-hypothesis.probes[0]: hypothesis probe must have a tolerance entry',
    "exp.yaml:14: steady-state-hypothesis.probes[1].provider.path: path 'no-such-binary-anywhere' cannot be found, in activity 'q'",
    'exp.yaml:13: steady-state-hypothesis.probes[1].tolerance: hypothesis probe tolerance must either be an integer, a string, a boolean or a pair of values for boundaries (got 0.5)',
    "exp.yaml:16: method[0].ref: referenced activity 'nowhere' could not be found in the experiment",
  ])
})

test('JSON errors name the file; YAML is read as 1.1 (yes is a boolean)', () => {
  assert.match(issues('{"title": "t",\n "x": "open}', 'exp.json')[0]!, /^exp\.json:2: /)
  const parsed = parse('title: t\ndescription: d\nmethod: []\nflag: yes\n')
  assert.equal(parsed.experiment.raw['flag'], true)
})

test('env configuration takes its default and env_var_type; env secrets are read; controls warn', () => {
  const text = [
    'title: t',
    'description: d',
    'configuration:',
    '  a: { type: env, key: CTK_A, default: fallback }',
    '  n: { type: env, key: CTK_N, env_var_type: int }',
    '  plain: 3',
    'secrets:',
    '  s: { token: { type: env, key: CTK_T } }',
    'controls:',
    '  - { name: tracing, provider: { type: python, module: chaostracing.control } }',
    'method: []',
  ].join('\n')
  const parsed = parse(text, 'exp.yaml', { CTK_N: '42', CTK_T: 'secret' })
  assert.deepEqual(parsed.values.configuration, { a: 'fallback', n: 42, plain: 3 })
  assert.deepEqual(parsed.values.secrets, { s: { token: 'secret' } })
  assert.equal(parsed.experiment.warnings.length, 1)
  assert.match(parsed.experiment.warnings[0]!, /controls .* ignores them \(tracing\)/)
})

test('runtime strategies: rollbacks from the block, continuous hypotheses refused', () => {
  const base = 'title: t\ndescription: d\nmethod: []\n'
  assert.equal(
    parse(`${base}runtime: { rollbacks: { strategy: always } }\n`).experiment.rollbackStrategy,
    'always'
  )
  assert.match(
    issues(`${base}runtime: { hypothesis: { strategy: continuously } }\n`)[0]!,
    /^exp\.yaml:4: runtime\.hypothesis\.strategy: hypothesis strategy 'continuously' is not supported/
  )
})
