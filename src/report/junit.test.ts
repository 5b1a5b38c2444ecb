import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stripVTControlCharacters } from 'node:util'
import fc from 'fast-check'
import type { RunResult } from '../engine/result.js'
import { invalidManifestJunitXml, junitXml } from './junit.js'

const verdicts = ['Passed', 'Failed', 'N/A'] as const

function result(
  verdict: RunResult['verdict'],
  probes: (typeof verdicts)[number][],
  checks: (typeof verdicts)[number][],
  thresholds: boolean[]
): RunResult {
  return {
    runId: 'r',
    experiment: 'x',
    hypothesis: 'h',
    verdict,
    ...(verdict === 'error' ? { reason: 'boom' } : {}),
    resilienceScore: 0,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
    steps: [],
    probes: probes.map((v, i) => ({
      id: `p${i}`,
      name: `p${i}`,
      type: 'cmd',
      mode: 'EOT',
      stepId: 'run',
      verdict: v,
      message: v,
      attempts: 1,
      failedAttempts: 0,
    })),
    checks: checks.map((v, i) => ({
      id: `c${i}`,
      name: `c${i}`,
      type: 'queue',
      verdict: v,
      message: v,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
    })),
    faults: [],
    loads: [
      {
        stepId: 'l',
        name: 'l',
        method: 'GET',
        url: 'http://x/',
        summary: {
          thresholds: thresholds.map((ok) => ({ metric: 'm', expression: 'e', ok, observed: 1 })),
        } as never,
      },
    ],
  }
}

const count = (xml: string, tag: string) => xml.match(new RegExp(`<${tag}[ />]`, 'g'))?.length ?? 0

test('property: suite counts always equal the test cases and their outcomes', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('pass', 'fail', 'error', 'interrupted' as const),
      fc.array(fc.constantFrom(...verdicts), { maxLength: 5 }),
      fc.array(fc.constantFrom(...verdicts), { maxLength: 3 }),
      fc.array(fc.boolean(), { maxLength: 3 }),
      (verdict, probes, checks, thresholds) => {
        const xml = junitXml(result(verdict, probes, checks, thresholds))
        const suite =
          /<testsuite [^>]*tests="(\d+)" failures="(\d+)" errors="(\d+)" skipped="(\d+)"/.exec(xml)!
        assert.equal(Number(suite[1]), count(xml, 'testcase'))
        assert.equal(Number(suite[2]), count(xml, 'failure'))
        assert.equal(Number(suite[3]), count(xml, 'error'))
        assert.equal(Number(suite[4]), count(xml, 'skipped'))
      }
    )
  )
})

test('an invalid manifest is one failing test case listing every issue', () => {
  const xml = invalidManifestJunitXml('e.yaml', [
    { file: 'e.yaml', line: 3, path: 'spec.a', message: 'bad a' },
    { file: 'e.yaml', line: 9, path: '', message: 'bad <b>' },
  ])
  assert.equal(count(xml, 'testcase'), 1)
  assert.match(xml, /tests="1" failures="1" errors="0"/)
  assert.match(xml, /message="2 issues, first: e.yaml:3: spec.a: bad a" type="InvalidManifest"/)
  assert.match(xml, /e.yaml:3: spec.a: bad a\ne.yaml:9: bad &lt;b&gt;<\/failure>/)
})

test('the score reads the same in JUnit and the terminal as in JSON: 62.5, never 63', async () => {
  const { formatSummary } = await import('./terminal.js')
  const r = { ...result('fail', ['Passed', 'Failed'], [], []), loads: [], resilienceScore: 62.5 }
  assert.match(junitXml(r), /<property name="resilienceScore" value="62.5"\/>/)
  assert.match(formatSummary(r), /resilience score 62\.5\b/)
  assert.equal(JSON.parse(JSON.stringify(r)).resilienceScore, 62.5)
})

test('each workload recovery is a test case timed by its recovery; not recovered is a failure, not measured an error', async () => {
  const { formatSummary } = await import('./terminal.js')
  const r: RunResult = {
    ...result('pass', ['Passed'], [], []),
    loads: [],
    faults: [
      {
        id: 'run.0',
        name: 'delete an orders pod',
        stepId: 'run.0',
        type: 'pod-delete',
        targets: ['shop/orders-1'],
        actions: [],
        recovery: [
          { workload: 'deployment/orders', recovered: true, ms: 4200 },
          { workload: 'statefulset/db', recovered: false, reason: 'not fully available within 2m' },
          {
            workload: 'deployment/cart',
            recovered: false,
            reason: 'stopped before it was fully available (forbidden)',
            error: 'pods is forbidden',
          },
        ],
      },
    ],
  }
  const xml = junitXml(r)
  assert.match(
    xml,
    /<testcase classname="x\.delete an orders pod" name="recovery of deployment\/orders" time="4\.200"\/>/
  )
  assert.match(
    xml,
    /<testcase classname="x\.delete an orders pod" name="recovery of statefulset\/db">\s*<failure message="statefulset\/db NOT recovered: not fully available within 2m" type="NotRecovered">/
  )
  assert.match(
    xml,
    /<testcase classname="x\.delete an orders pod" name="recovery of deployment\/cart">\s*<error message="deployment\/cart recovery could not be measured: pods is forbidden" type="NotMeasured">/
  )
  assert.match(xml, /<testsuite name="x" tests="4" failures="1" errors="1" skipped="0"/)
  const plain = stripVTControlCharacters(formatSummary(r))
  assert.match(plain, /\n {4}⟲ deployment\/orders recovered in 4\.2 s\n/)
  assert.match(plain, /\n {4}⟲ statefulset\/db NOT recovered: not fully available within 2m\n/)
  assert.match(
    plain,
    /\n {4}⟲ deployment\/cart recovery could not be measured: pods is forbidden\n/
  )
})
