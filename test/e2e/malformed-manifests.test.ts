/**
 * Every malformed manifest gives exit 2 and one line per problem naming file, line and field,
 * with no stack trace, and nothing is started (no run directory, no ledger).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { workspace, type Workspace } from '../support/cli.js'

const header = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: bad
spec:
  hypothesis: it holds
`
const okSystem = `  system:
    services:
      - name: api
        command: node
        args: ['-e', 'setInterval(() => {}, 1000)']
`

interface Case {
  name: string
  yaml: string
  /** Expected `line: path: message` fragments, one per reported line. */
  expect: [line: number, path: string, message: RegExp][]
  /** The YAML parser may add follow-up lines for one syntax error; only the first is fixed. */
  moreLines?: boolean
}

const cases: Case[] = [
  { name: 'empty file', yaml: '', expect: [[1, '', /empty/]] },
  { name: 'only a comment', yaml: '# nothing here\n', expect: [[1, '', /empty/]] },
  {
    name: 'YAML syntax error',
    yaml: `${header}  steps: [\n    - wait: 1s\n`,
    expect: [[8, '', /YAML syntax error/]],
    moreLines: true,
  },
  {
    name: 'tabs / bad indentation',
    yaml: `apiVersion: ordeal.dev/v1\nkind: Experiment\n metadata: x\n`,
    expect: [[2, '', /YAML syntax error/]],
    moreLines: true,
  },
  { name: 'a list, not a mapping', yaml: '- a\n- b\n', expect: [[1, '', /expected a mapping/]] },
  {
    name: 'wrong apiVersion',
    yaml: header.replace('ordeal.dev/v1', 'v2') + '  steps: [{ wait: 1s }]\n',
    expect: [[1, 'apiVersion', /must be 'ordeal.dev\/v1'/]],
  },
  {
    name: 'wrong kind',
    yaml: header.replace('kind: Experiment', 'kind: Experimnt') + '  steps: [{ wait: 1s }]\n',
    expect: [[2, 'kind', /must be 'Experiment'/]],
  },
  {
    name: 'missing spec.steps',
    yaml: header,
    expect: [[5, 'spec.steps', /required|list of steps/]],
  },
  {
    name: 'empty steps',
    yaml: `${header}  steps: []\n`,
    expect: [[7, 'spec.steps', /at least one step/]],
  },
  {
    name: 'unknown top-level field with did-you-mean',
    yaml: `${header}  stpes: []\n  steps: [{ wait: 1s }]\n`,
    expect: [[7, 'spec.stpes', /unknown field.*did you mean 'steps'/]],
  },
  {
    name: 'unknown fault type',
    yaml: `${header}  steps:\n    - fault: { type: process-kil, duration: 10s }\n`,
    expect: [
      [
        8,
        'spec.steps[0].fault.type',
        /unknown fault type 'process-kil'.*did you mean 'process-kill'/,
      ],
    ],
  },
  {
    name: 'bad duration',
    yaml: `${header}${okSystem}  steps:\n    - wait: 1s\n    - fault:\n        type: process-pause\n        target: { service: api }\n        duration: 10 seconds\n`,
    expect: [[17, 'spec.steps[1].fault.duration', /must be a duration like 30s/]],
  },
  {
    name: 'missing fault duration',
    yaml: `${header}${okSystem}  steps:\n    - fault:\n        type: process-pause\n        target: { service: api }\n`,
    expect: [[13, 'spec.steps[0].fault.duration', /must be a duration like 30s/]],
  },
  {
    name: 'zero fault duration',
    yaml: `${header}${okSystem}  steps:\n    - fault: { type: process-pause, target: { service: api }, duration: 0s }\n`,
    expect: [[13, 'spec.steps[0].fault.duration', /longer than 0s/]],
  },
  {
    name: 'number where a duration is expected',
    yaml: `${header}  steps:\n    - wait: 5\n`,
    expect: [[8, 'spec.steps[0].wait', /must be a duration like 30s/]],
  },
  {
    name: 'unknown probe mode',
    yaml: `${header}  steps:\n    - wait: 1s\n      probes:\n        - { name: p, type: tcp, port: 80, mode: Sometimes }\n`,
    expect: [
      [10, 'spec.steps[0].probes[0].mode', /must be one of SOT, EOT, Edge, Continuous, OnChaos/],
    ],
  },
  {
    name: 'unknown probe type',
    yaml: `${header}  steps:\n    - wait: 1s\n      probes:\n        - { name: p, type: htp, mode: SOT, url: x }\n`,
    expect: [[10, 'spec.steps[0].probes[0].type', /unknown probe type 'htp'.*did you mean 'http'/]],
  },
  {
    name: 'unknown probe field',
    yaml: `${header}  steps:\n    - wait: 1s\n      probes:\n        - name: p\n          type: http\n          mode: SOT\n          url: http://127.0.0.1:1/\n          methd: GET\n`,
    expect: [[14, 'spec.steps[0].probes[0].methd', /unknown field.*did you mean 'method'/]],
  },
  {
    name: 'bad comparator criteria',
    yaml: `${header}  steps:\n    - wait: 1s\n      probes:\n        - name: p\n          type: cmd\n          mode: EOT\n          command: echo 1\n          comparator: { type: int, criteria: contains, value: 1 }\n`,
    expect: [[14, 'spec.steps[0].probes[0].comparator.criteria', /must be one of >=/]],
  },
  {
    name: 'step with two kinds',
    yaml: `${header}  steps:\n    - wait: 1s\n      serial: []\n`,
    expect: [[8, 'spec.steps[0]', /has both 'wait' and 'serial'/]],
  },
  {
    name: 'step with no kind',
    yaml: `${header}  steps:\n    - name: nothing\n`,
    expect: [[8, 'spec.steps[0]', /needs one of 'fault', 'load', 'capacity', 'wait', 'serial' or 'parallel'/]],
  },
  {
    name: 'target names an unknown service',
    yaml: `${header}${okSystem}  steps:\n    - fault: { type: process-kill, target: { service: apj }, duration: 5s }\n`,
    expect: [
      [13, 'spec.steps[0].fault.target.service', /no service named 'apj'.*did you mean 'api'/],
    ],
  },
  {
    name: 'fixed mode without value',
    yaml: `${header}${okSystem}  steps:\n    - fault: { type: process-kill, target: { service: api, mode: fixed }, duration: 5s }\n`,
    expect: [[13, 'spec.steps[0].fault.target.value', /required for mode fixed/]],
  },
  {
    name: 'replicas not a number',
    yaml: `${header}  system:\n    services:\n      - name: api\n        command: node\n        replicas: two\n  steps: [{ wait: 1s }]\n`,
    expect: [[11, 'spec.system.services[0].replicas', /must be a number/]],
  },
  {
    name: 'duplicate service names',
    yaml: `${header}  system:\n    services:\n      - { name: api, command: node }\n      - { name: api, command: node }\n  steps: [{ wait: 1s }]\n`,
    expect: [[10, 'spec.system.services[1].name', /duplicate service name 'api'/]],
  },
  {
    name: 'duplicate probe names',
    yaml: `${header}  probes:\n    - { name: p, type: tcp, port: 80, mode: SOT }\n  steps:\n    - wait: 1s\n      probes:\n        - { name: p, type: tcp, port: 80, mode: EOT }\n`,
    expect: [[12, 'spec.steps[0].probes[0].name', /duplicate probe name 'p'/]],
  },
  {
    name: 'disk-fill with size and percent',
    yaml: `${header}  steps:\n    - fault: { type: disk-fill, path: /tmp, size: 1Mi, percent: 50, duration: 5s }\n`,
    expect: [[8, 'spec.steps[0].fault', /exactly one of 'size' or 'percent'/]],
  },
  {
    name: 'bad threshold expression',
    yaml: `${header}  steps:\n    - load:\n        url: http://127.0.0.1:1/\n        rate: 10\n        duration: 1s\n        thresholds: { http_req_duration: ['p95<200'] }\n`,
    expect: [
      [
        12,
        'spec.steps[0].load.thresholds.http_req_duration[0]',
        /unknown aggregation 'p95'.*p\(95\)/,
      ],
    ],
  },
  {
    name: 'load without duration and a zero rate',
    yaml: `${header}  steps:\n    - load: { url: 'http://127.0.0.1:1/', rate: 0 }\n`,
    expect: [
      [8, 'spec.steps[0].load.rate', /must be above 0/],
      [8, 'spec.steps[0].load.duration', /required with rate/],
    ],
  },
  {
    name: 'check naming a missing load step',
    yaml: `${header}  steps:\n    - name: writes\n      load: { url: 'http://127.0.0.1:1/', rate: 5, duration: 1s }\n  checks:\n    - { name: c, type: queue, load: writse, source: { file: ids.txt } }\n`,
    expect: [[11, 'spec.checks[0].load', /no load step named 'writse'.*did you mean 'writes'/]],
  },
  {
    name: 'abort condition naming a missing probe and a bad threshold',
    yaml: `${header}  steps:\n    - wait: 1s\n      probes: [{ name: up, type: tcp, mode: SOT, port: 1 }]\n  abort:\n    - { probe: upp }\n    - { metric: http_req_failed, threshold: 'rate<<0.5' }\n`,
    expect: [
      [11, 'spec.abort[0].probe', /no probe named 'upp'.*did you mean 'up'/],
      [12, 'spec.abort[1].threshold', /./],
    ],
  },
  {
    name: 'unset variable',
    yaml: `${header}  steps:\n    - wait: \${PAUSE}\n`,
    expect: [[8, '', /variable \$\{PAUSE\} is not set/]],
  },
  {
    name: 'several errors at once',
    yaml: `${header}  deadline: soon\n  steps:\n    - wait: forever\n    - fault: { type: cpu-stress, load: 150, duration: 5s }\n`,
    expect: [
      [7, 'spec.deadline', /duration/],
      [9, 'spec.steps[0].wait', /duration/],
      [10, 'spec.steps[1].fault.load', /1-100/],
    ],
  },
  {
    name: 'mode fixed above maxTargets',
    yaml: `${header}${okSystem}  steps:\n    - fault: { type: process-kill, target: { service: api, mode: fixed, value: 5, maxTargets: 2 }, duration: 5s }\n`,
    expect: [[13, 'spec.steps[0].fault.target', /: mode fixed value 5 exceeds maxTargets 2$/]],
  },
  {
    name: 'mode all on 3 replicas above maxPercent 50',
    yaml: `${header}${okSystem.replace('        args:', '        replicas: 3\n        args:')}  steps:\n    - fault:\n        type: process-pause\n        target: { service: api, mode: all, maxPercent: 50 }\n        duration: 5s\n`,
    expect: [
      [
        16,
        'spec.steps[0].fault.target',
        /mode all picks 3 of the 3 replicas of service 'api', more than maxPercent 50 allows \(1: 50% of 3, rounded down\)/,
      ],
    ],
  },
  {
    name: 'maxPercent that allows no replica',
    yaml: `${header}${okSystem}  steps:\n    - fault: { type: process-kill, target: { service: api, maxPercent: 50 }, duration: 5s }\n`,
    expect: [
      [13, 'spec.steps[0].fault.target', /maxPercent 50 allows no target: 50% of the 1 replica/],
    ],
  },
  {
    name: 'blast-radius caps out of range',
    yaml: `${header}${okSystem}  steps:\n    - fault:\n        type: process-kill\n        target:\n          service: api\n          maxTargets: 0\n          maxPercent: 150\n        duration: 5s\n`,
    expect: [
      [17, 'spec.steps[0].fault.target.maxTargets', /must be a whole number of at least 1/],
      [18, 'spec.steps[0].fault.target.maxPercent', /must be a percentage \(1-100\)/],
    ],
  },
]

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

describe('malformed manifests', () => {
  test(`has at least 20 cases (${cases.length})`, () => assert.ok(cases.length >= 20))

  for (const c of cases) {
    test(c.name, async () => {
      const file = ws.write(`${c.name.replace(/\W+/g, '-')}.yaml`, c.yaml)
      for (const command of ['validate', 'run']) {
        const { exitCode, stderr, stdout } = await ws.run([command, file])
        assert.equal(exitCode, 2, `${command}: exit code\n${stderr}`)
        assert.equal(stdout, '', `${command}: nothing on stdout`)
        assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace')
        const lines = stderr.trimEnd().split('\n')
        if (c.moreLines) {
          assert.ok(
            lines.every((l) => l.startsWith(`${file}:`)),
            `every line names the file:\n${stderr}`
          )
        } else {
          assert.equal(lines.length, c.expect.length, `one line per problem:\n${stderr}`)
        }
        c.expect.forEach(([line, field, message], i) => {
          const prefix = `${file}:${line}: ${field ? `${field}: ` : ''}`
          assert.ok(lines[i]!.startsWith(prefix), `expected "${prefix}…", got "${lines[i]}"`)
          assert.match(lines[i]!, message)
        })
      }
      assert.equal(existsSync(path.join(ws.stateDir, 'runs')), false, 'nothing was started')
      assert.equal(existsSync(path.join(ws.stateDir, 'ledgers')), false, 'no ledger was written')
    })
  }

  test('a missing file is exit 2 with one line', async () => {
    const { exitCode, stderr } = await ws.run(['run', 'nope.yaml'])
    assert.equal(exitCode, 2)
    assert.match(stderr, /^nope\.yaml: file not found\n$/) // no line 0: there is no line
  })

  test('an unknown command or option is exit 2', async () => {
    assert.equal((await ws.run(['frobnicate'])).exitCode, 2)
    assert.equal((await ws.run(['run', '--bogus', 'x.yaml'])).exitCode, 2)
  })
})
