import { test } from 'node:test'
import assert from 'node:assert/strict'
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
