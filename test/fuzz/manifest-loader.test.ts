/**
 * Fuzzing the manifest loader. Whatever text it gets, `loadExperimentText` returns an
 * Experiment or throws a ManifestError whose issues are each one line `fuzz.yaml:N: …`;
 * never another exception, never more than a second. Inputs: random text, YAML token soup,
 * random objects dumped as YAML, and mutations of valid manifests (the examples and the seeds
 * below). A failing run prints fast-check's seed; FUZZ_SEED=<seed> replays it, FUZZ_SCALE=<n>
 * runs n times as many inputs.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import fc from 'fast-check'
import { stringify } from 'yaml'
import { loadExperimentText } from '../../src/experiment/load.js'
import { formatIssue, ManifestError } from '../../src/experiment/errors.js'
import { MAX_NESTING } from '../../src/experiment/load-guards.js'
import { FAULT_TYPES } from '../../src/faults/schemas.js'
import { repoRoot, workspace, type Workspace } from '../support/cli.js'

const kBudgetMs = 1000
const seed = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED'])
/** FUZZ_SCALE=50 runs fifty times as many inputs, for a longer hunt. */
const scale = Number(process.env['FUZZ_SCALE'] ?? 1)
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns: Math.round(numRuns * scale),
  ...(seed === undefined ? {} : { seed }),
})

/** Valid manifests: the examples, and seeds that reach the fault, probe, load and check schemas. */
const examples = [
  'examples/quickstart/experiment.yaml',
  'examples/quickstart/experiment-no-retries.yaml',
  'examples/order-delivery/v1.yaml',
  'examples/order-delivery/v2.yaml',
  'examples/etcd-partition/experiment.yaml',
  'examples/etcd-partition/experiment-weakened.yaml',
  'examples/kubernetes/pod-delete/experiment.yaml',
  'examples/kubernetes/order-delivery/experiment.yaml',
].map((file) => readFileSync(path.join(repoRoot, file), 'utf8'))

const everything = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: everything
  description: reaches every schema
spec:
  hypothesis: it holds
  deadline: 5m
  system:
    services:
      - name: api
        command: node
        args: [api.mjs, 1]
        env: { PORT: '{{ports.http}}' }
        replicas: 4
        ports: { http: 0 }
        readiness: { http: 'http://127.0.0.1:{{ports.http}}/health', timeout: 10s }
        restart: on-failure
        backoff: { initial: 100ms, max: 1s }
        gracePeriod: 2s
      - { name: db, command: sleep, args: ['60'], readiness: { cmd: 'true' } }
    attach:
      - { name: legacy, match: 'legacy-server' }
      - { name: by-port, port: 8080 }
  probes:
    - name: up
      type: tcp
      mode: Continuous
      port: '{{services.api.ports.http}}'
      runProperties: { pollingInterval: 100ms }
  steps:
    - name: writes
      load:
        url: 'http://127.0.0.1:{{services.api.ports.http}}/items'
        method: POST
        body: '{"id": "{{uuid}}"}'
        id: '{{uuid}}'
        rate: 20
        duration: 2s
        thresholds: { http_req_duration: ['p(99)<1000'], http_req_failed: ['rate<0.01'] }
    - parallel:
        - fault:
            type: process-kill
            target: { service: api, mode: fixed-percent, value: 50, maxTargets: 2, maxPercent: 50 }
            signal: SIGTERM
            interval: 1s
            duration: 3s
        - fault: { type: process-pause, target: { attach: legacy, mode: all, maxTargets: 1 }, duration: 2s }
        - serial:
            - wait: 500ms
            - fault: { type: process-restart, target: { service: db }, after: 1s, duration: 2s }
      probes:
        - name: health
          type: http
          mode: EOT
          url: 'http://127.0.0.1:{{services.api.ports.http}}/health'
          expect: { status: 200, bodyContains: ok }
        - name: count
          type: cmd
          mode: Edge
          command: echo 3
          comparator: { type: int, criteria: between, value: [1, 5] }
        - name: rows
          type: sql
          mode: OnChaos
          driver: sqlite
          database: '/tmp/x.db'
          query: SELECT 1
          comparator: { type: int, criteria: '==', value: 1 }
        - name: scrape
          type: prometheus
          mode: SOT
          endpoint: 'http://127.0.0.1:9090'
          query: up
          comparator: { type: float, criteria: '>=', value: 1 }
    - fault: { type: cpu-stress, workers: 2, load: 50, duration: 2s }
      weight: 5
    - fault: { type: memory-stress, size: 64Mi, duration: 2s }
    - fault: { type: disk-fill, path: /tmp, size: 1Mi, duration: 2s }
  checks:
    - name: kept
      type: queue
      load: writes
      source: { http: { url: 'http://127.0.0.1:{{services.api.ports.http}}/items' } }
      drain: { timeout: 2s }
`

const minimal = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: tiny }
spec: { hypothesis: h, steps: [{ wait: 1s }] }
`

/** A cluster experiment: reaches spec.system.kubernetes and the k8s probe's schema. */
const cluster = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: cluster }
spec:
  hypothesis: orders stay available
  system: { kubernetes: { namespace: shop } }
  steps:
    - wait: 1s
      probes:
        - name: available
          type: k8s
          mode: Edge
          resource: { group: apps, version: v1, resource: deployments, name: orders }
          operation: compare
          jsonPath: '{.status.availableReplicas}'
          equalsJsonPath: spec.replicas
        - name: nodes
          type: k8s
          mode: Continuous
          resource: { version: v1, resource: nodes, labelSelector: type=kwok }
          operation: present
        - name: ready
          type: k8s
          mode: OnChaos
          resource: { version: v1, resource: pods, labelSelector: app=orders, fieldSelector: status.phase=Running }
          operation: compare
          jsonPath: '{.status.conditions[?(@.type=="Ready")].status}'
          comparator: { type: string, criteria: equal, value: 'True' }
`

const seeds = [...examples, everything, minimal, cluster]

/** Words the schema knows, so random keys and values reach deeper than "unknown field". */
const vocabulary = [
  ...['apiVersion', 'kind', 'metadata', 'name', 'spec', 'hypothesis', 'deadline', 'system'],
  ...['services', 'attach', 'command', 'args', 'env', 'replicas', 'ports', 'readiness'],
  ...['steps', 'fault', 'load', 'wait', 'serial', 'parallel', 'probes', 'checks', 'weight'],
  ...['type', 'target', 'service', 'mode', 'value', 'maxTargets', 'maxPercent', 'duration'],
  ...['after', 'interval', 'signal', 'size', 'percent', 'path', 'url', 'rate', 'thresholds'],
  ...['process-kill', 'process-pause', 'cpu-stress', 'disk-fill', 'http', 'tcp', 'queue'],
  ...['ordeal.dev/v1', 'Experiment', 'one', 'all', 'fixed', 'SOT', 'EOT', '1s', '0s', '24h'],
]

/** A scalar of any YAML type, as it would be written in a manifest. */
const scalarText = fc.oneof(
  fc.constantFrom(...vocabulary),
  fc.constantFrom('null', '~', 'true', 'false', '.nan', '.inf', '-.inf', '0x1F', '1e400'),
  fc.constantFrom('[]', '{}', '[a, 1]', '{ a: 1 }', '""', "''", '|', '>-', '*a', '&a x', '!!str'),
  fc.integer().map(String),
  fc.double().map(String),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.string({ maxLength: 12 })
)

type Mutation =
  | { op: 'delete' | 'duplicate'; line: number }
  | { op: 'swap'; line: number; other: number }
  | { op: 'indent'; line: number; by: number }
  | { op: 'replace-scalar'; line: number; value: string }
  | { op: 'insert-key'; line: number; key: string; value: string }
  | { op: 'truncate'; at: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete' as const, 'duplicate' as const), line: fc.nat() }),
  fc.record({ op: fc.constant('swap' as const), line: fc.nat(), other: fc.nat() }),
  fc.record({
    op: fc.constant('indent' as const),
    line: fc.nat(),
    by: fc.integer({ min: -6, max: 6 }),
  }),
  fc.record({ op: fc.constant('replace-scalar' as const), line: fc.nat(), value: scalarText }),
  fc.record({
    op: fc.constant('insert-key' as const),
    line: fc.nat(),
    key: fc.oneof(fc.constantFrom(...vocabulary), fc.string({ minLength: 1, maxLength: 10 })),
    value: scalarText,
  }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() })
)

function mutate(text: string, m: Mutation): string {
  if (m.op === 'truncate') {
    const bytes = Buffer.from(text, 'utf8')
    return bytes.subarray(0, m.at % (bytes.length + 1)).toString('utf8')
  }
  const lines = text.split('\n')
  const i = m.line % lines.length
  const line = lines[i]!
  const indent = /^\s*/.exec(line)![0]
  switch (m.op) {
    case 'delete':
      lines.splice(i, 1)
      break
    case 'duplicate':
      lines.splice(i, 0, line)
      break
    case 'swap': {
      const j = m.other % lines.length
      ;[lines[i], lines[j]] = [lines[j]!, line]
      break
    }
    case 'indent':
      lines[i] = m.by >= 0 ? ' '.repeat(m.by) + line : line.slice(Math.min(-m.by, indent.length))
      break
    case 'replace-scalar': {
      // The value after `key:` (or after `- `); lines without one get it appended.
      const at = /^(\s*(?:- )?[^:#'"]+:\s)/.exec(line)?.[1] ?? /^(\s*- )/.exec(line)?.[1]
      lines[i] = at === undefined ? `${line} ${m.value}` : `${at}${m.value}`
      break
    }
    case 'insert-key':
      lines.splice(i, 0, `${indent.replace('-', ' ')}${m.key}: ${m.value}`)
      break
  }
  return lines.join('\n')
}

const mutatedSeed = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.oneof(
      fc.tuple(mutation), // one mutation leaves most of a manifest valid, reaching deeper checks
      fc.array(mutation, { minLength: 2, maxLength: 4 })
    )
  )
  .map(([text, mutations]) => mutations.reduce(mutate, text))

/** YAML-significant tokens, so random text gets past the first character of the parser. */
const tokenSoup = fc
  .array(
    fc.oneof(
      fc.constantFrom(...vocabulary.map((w) => `${w}:`)),
      fc.constantFrom('\n', '\n  ', '\n    ', ' ', '- ', '? ', ': ', ', ', '\t', '#', '---'),
      fc.constantFrom('[', ']', '{', '}', '"', "'", '|', '>', '&a ', '*a', '!!map ', '!x ', '%'),
      // No unset ${X}: its error comes before parsing and would hide everything else.
      fc.constantFrom('${A:-1s}', '\r\n', '\u2028', '\u0000', '\ufeff', '\\'),
      scalarText
    ),
    { maxLength: 60 }
  )
  .map((tokens) => tokens.join(''))

/** Random data under a valid header, dumped by the `yaml` package. */
const jsonish: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.constantFrom(...vocabulary), fc.integer(), fc.double(), fc.boolean()),
    fc.constant(null),
    fc.string({ maxLength: 10 }),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.constantFrom(...vocabulary), fc.string({ maxLength: 8 })),
      tie('node'),
      { maxKeys: 5 }
    )
  ),
})).node

/** Manifests close to valid, to reach the semantic checks (blast-radius caps among them). */
const number = fc.oneof(fc.integer({ min: -2, max: 120 }), fc.double(), fc.constant(0.5))
const targetish = fc.record(
  {
    service: fc.constantFrom('api', 'db', 'nope'),
    attach: fc.constantFrom('legacy', 'nope'),
    mode: fc.constantFrom('one', 'all', 'fixed', 'fixed-percent', 'random-max-percent', 'x'),
    value: number,
    maxTargets: number,
    maxPercent: number,
  },
  { requiredKeys: [] }
)
const faultish = fc.record(
  {
    type: fc.constantFrom(...FAULT_TYPES, 'nope'),
    target: targetish,
    duration: fc.constantFrom('1s', '0s', '25h', 'x', '1m30s'),
    after: fc.constantFrom('1s', '-1s'),
    interval: fc.constantFrom('500ms', '0s'),
    load: number,
    workers: number,
    size: fc.constantFrom('1Mi', '1e9G', 0, -1),
    percent: number,
    path: fc.constantFrom('/tmp', 'relative'),
    signal: fc.constantFrom('SIGKILL', 'KILL'),
  },
  { requiredKeys: ['type'] }
)
const stepish: fc.Arbitrary<unknown> = fc.letrec<{ step: unknown }>((tie) => ({
  step: fc.oneof(
    { depthSize: 'small' },
    fc.record({ fault: faultish, weight: fc.option(number, { nil: undefined }) }),
    fc.record({ wait: fc.constantFrom('1s', '0s', 'x') }),
    fc.record({ serial: fc.array(tie('step'), { maxLength: 3 }) }),
    fc.record({ parallel: fc.array(tie('step'), { maxLength: 3 }) })
  ),
})).step
const shaped = fc
  .record({
    replicas: fc.array(fc.integer({ min: -1, max: 70 }), { minLength: 1, maxLength: 2 }),
    steps: fc.array(stepish, { minLength: 1, maxLength: 4 }),
  })
  .map(({ replicas, steps }) =>
    stringifySafely({
      apiVersion: 'ordeal.dev/v1',
      kind: 'Experiment',
      metadata: { name: 'x' },
      spec: {
        hypothesis: 'h',
        system: {
          services: replicas.map((n, i) => ({ name: ['api', 'db'][i], command: 'x', replicas: n })),
          attach: [{ name: 'legacy', match: 'legacy' }],
        },
        steps,
      },
    })
  )

const dumped = fc.oneof(
  fc.jsonValue().map((v) => stringifySafely(v)),
  fc.anything().map((v) => stringifySafely(v)),
  jsonish.map((spec) =>
    stringify({ apiVersion: 'ordeal.dev/v1', kind: 'Experiment', metadata: { name: 'x' }, spec })
  ),
  fc
    .record({ hypothesis: fc.constant('h'), steps: fc.array(jsonish, { maxLength: 3 }) })
    .map((spec) =>
      stringify({ apiVersion: 'ordeal.dev/v1', kind: 'Experiment', metadata: { name: 'x' }, spec })
    )
)

function stringifySafely(value: unknown): string {
  try {
    // `undefined` dumps to undefined, not to text.
    return (stringify(value) as string | undefined) ?? ''
  } catch {
    return String(value) // the dumper refuses some values (symbols as keys); the text still counts
  }
}

/** The property: an Experiment, or a ManifestError of one-line issues, within the budget. */
function loadsOrExplains(text: string): void {
  const start = performance.now()
  let error: unknown
  try {
    loadExperimentText(text, 'fuzz.yaml')
  } catch (caught) {
    error = caught
  }
  const ms = performance.now() - start
  assert.ok(ms < kBudgetMs, `took ${ms.toFixed(0)} ms (budget ${kBudgetMs} ms)`)
  if (error === undefined) {
    return
  }
  if (!(error instanceof ManifestError)) {
    assert.fail(`not a ManifestError: ${(error as Error)?.stack ?? String(error)}`)
  }
  assert.ok(error.issues.length > 0, 'a ManifestError names at least one issue')
  for (const issue of error.issues) {
    const line = formatIssue(issue)
    assert.match(line, /^fuzz\.yaml:\d+: /)
    assert.doesNotMatch(line, /[\n\r\u2028\u2029]/, 'one line')
    assert.ok(issue.line >= 1, `line ${issue.line} is at least 1`)
  }
  assert.equal(error.message.split('\n').length, error.issues.length)
}

describe('manifest loader fuzzing (~2,000 inputs)', () => {
  test('the seeds are valid manifests', () => {
    for (const text of seeds) {
      assert.doesNotThrow(() => loadExperimentText(text, 'fuzz.yaml'))
    }
  })

  test('random text', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 })),
        loadsOrExplains
      ),
      params(300)
    )
  })

  test('YAML token soup', () => {
    fc.assert(fc.property(tokenSoup, loadsOrExplains), params(400))
  })

  test('random data dumped as YAML', () => {
    fc.assert(fc.property(dumped, loadsOrExplains), params(200))
  })

  test('near-valid manifests (faults, targets, caps, nesting)', () => {
    fc.assert(fc.property(shaped, loadsOrExplains), params(200))
  })

  test('mutations of valid manifests', () => {
    fc.assert(fc.property(mutatedSeed, loadsOrExplains), params(1000))
  })

  test('hostile inputs found or feared while fuzzing (regressions)', () => {
    const header = 'apiVersion: ordeal.dev/v1\nkind: Experiment\nmetadata: {name: x}\nspec:\n'
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (const c of 'bcdefghi') {
      const prev = String.fromCharCode(c.charCodeAt(0) - 1)
      laughs.push(`${c}: &${c} [${Array(10).fill(`*${prev}`).join(', ')}]`)
    }
    const cases: [name: string, text: string, expect: RegExp][] = [
      [
        'billion laughs',
        `${laughs.join('\n')}\n`,
        /^fuzz\.yaml:\d+: YAML aliases expand to too much/,
      ],
      [
        'alias without anchor',
        'a: *nowhere\n',
        /^fuzz\.yaml:1: YAML alias \*nowhere has no anchor/,
      ],
      [
        'newline in a key',
        `${header}  hypothesis: h\n  steps: [{wait: 1s}]\n  "a\\nb": 1\n`,
        /spec\.a\\nb: unknown field$/,
      ],
      [
        'newline in a value',
        `${header}  hypothesis: h\n  steps: [{fault: {type: "x\\ny", duration: 1s}}]\n`,
        /unknown fault type 'x\\ny'/,
      ],
      [
        'ANSI escape in a key',
        `${header}  hypothesis: h\n  steps: [{wait: 1s}]\n  "\\e[31m": 1\n`,
        /spec\.\\u001b\[31m: unknown field/,
      ],
      [
        'a list as a key',
        `${header}  hypothesis: h\n  steps: [{wait: 1s}]\n  ? [a, b]\n  : 1\n`,
        /fuzz\.yaml:7: spec: a key must be a plain name, not a list/,
      ],
      [
        'duplicate key',
        `${header}  hypothesis: h\n  steps: [{wait: 1s}]\n  steps: []\n`,
        /fuzz\.yaml:7: spec: duplicate key 'steps'/,
      ],
      [
        'deep flow nesting',
        `${header}  hypothesis: h\n  steps: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
        /nested (too deeply|more than)/,
      ],
      [
        'deep nesting the parser accepts',
        `${header}  hypothesis: h\n  steps: ${'[{serial: '.repeat(MAX_NESTING)}[]${'}]'.repeat(MAX_NESTING)}\n`,
        /nested more than 100 levels deep/,
      ],
      [
        'a key with "; " in it',
        `${header}  hypothesis: h\n  steps: [{wait: 1s}]\n  "a; unknown field 'b'": 1\n  stepz: 1\n`,
        /stepz: unknown field \(did you mean 'steps'\?\)$/,
      ],
    ]
    for (const [name, text, expect] of cases) {
      loadsOrExplains(text)
      assert.throws(
        () => loadExperimentText(text, 'fuzz.yaml'),
        (error: unknown) => {
          assert.ok(error instanceof ManifestError, `${name}: ${String(error)}`)
          assert.ok(
            error.issues.some((i) => expect.test(formatIssue(i))),
            `${name}: expected ${expect} in\n${error.message}`
          )
          return true
        }
      )
    }
  })

  test('large manifests stay fast: 20,000 unknown keys, 20,000 bad steps', () => {
    const header = 'apiVersion: ordeal.dev/v1\nkind: Experiment\nmetadata: {name: x}\nspec:\n'
    const keys = Array.from({ length: 20_000 }, (_, i) => `  k${i}: 1\n`).join('')
    const steps = Array.from({ length: 20_000 }, (_, i) => `    - {wait: x${i}}\n`).join('')
    for (const text of [
      `${header}  hypothesis: h\n  steps: [{wait: 1s}]\n${keys}`,
      `${header}  hypothesis: h\n  steps:\n${steps}`,
    ]) {
      const start = performance.now()
      assert.throws(() => loadExperimentText(text, 'fuzz.yaml'), ManifestError)
      // Linear work is well under this; the quadratic key lookups took 4-10 s here.
      assert.ok(performance.now() - start < 3000, `took ${performance.now() - start} ms`)
    }
  })
})

describe('validate through the built CLI (20 inputs)', () => {
  let ws: Workspace
  before(() => {
    ws = workspace()
  })
  after(() => ws.cleanup())

  test('exit code 0 or 2, no stack trace', async () => {
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedSeed, tokenSoup, dumped, shaped), async (text) => {
        const file = ws.write(`fuzz-${n++}.yaml`, text)
        const r = await ws.run(['validate', file], { timeoutMs: 30_000 })
        assert.ok(r.exitCode === 0 || r.exitCode === 2, `exit ${r.exitCode}\n${r.stderr}`)
        assert.ok(!r.stderr.includes('\n    at '), `stack trace:\n${r.stderr}`)
        if (r.exitCode === 2) {
          for (const line of r.stderr.trimEnd().split('\n')) {
            assert.ok(line.startsWith(`${file}:`), `every line names the file: ${line}`)
          }
        }
      }),
      params(20)
    )
  })
})
