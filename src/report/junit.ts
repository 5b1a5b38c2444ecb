/**
 * `--junit FILE`: one test case per probe, load threshold and check, grouped in one suite per
 * experiment, so CI systems show which part of the hypothesis failed. Each workload recovery
 * of a Kubernetes fault is a test case too, its recovery time as the case's `time`: CI viewers
 * (Jenkins, GitLab, GitHub test reporters) list every case with its duration, while none shows
 * a case's `<property>`; a workload that did not recover is a failure saying why. A run that errored or
 * was interrupted adds a `run` test case with the error; an invalid manifest is one failing
 * test case listing every issue, so CI never shows "no results".
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { create } from 'xmlbuilder2'
import type { RunResult } from '../engine/result.js'
import { formatIssue, type ManifestIssue } from '../experiment/errors.js'
import { describeLost } from '../checks/windows.js'
import { capacityLine } from '../capacity/text.js'
import { formatScore } from '../shared/units.js'
import { observedText } from '../load/summary-text.js'
import { recoveryText } from '../shared/recovery-text.js'

/** One `<testcase>`; the counts on the suites are computed from these, so they always agree. */
interface Case {
  classname: string
  name: string
  /** Written as the case's `time`: a recovery's duration. */
  seconds?: number
  outcome?: { kind: 'failure' | 'error' | 'skipped'; type?: string; message: string; text?: string }
}

export function junitXml(result: RunResult): string {
  const stepName = new Map(result.steps.map((s) => [s.id, s.name]))
  const cases: Case[] = []
  for (const probe of result.probes) {
    cases.push({
      classname: `${result.experiment}.${stepName.get(probe.stepId) ?? probe.stepId}`,
      name: `${probe.name} (${probe.type}, ${probe.mode})`,
      ...(probe.verdict === 'Failed'
        ? { outcome: { kind: 'failure', type: 'ProbeFailed', message: probe.message } }
        : probe.verdict === 'N/A'
          ? { outcome: { kind: 'skipped', message: probe.message } }
          : {}),
    })
  }
  for (const load of result.loads) {
    for (const t of load.summary?.thresholds ?? []) {
      const why = load.failedThresholds?.find(
        (f) => f.metric === t.metric && f.expression === t.expression
      )
      cases.push({
        classname: `${result.experiment}.${load.name}`,
        name: `threshold ${t.metric}: ${t.expression}`,
        ...(t.ok
          ? {}
          : {
              outcome: {
                kind: 'failure',
                type: 'ThresholdFailed',
                message: why?.reason ?? `observed ${observedText(t)}`,
              },
            }),
      })
    }
  }
  // A capacity step is one case: its answer, failed when its `expect` was not met.
  for (const c of result.capacity ?? []) {
    const met = c.expectation?.met !== false
    cases.push({
      classname: `${result.experiment}.${c.name}`,
      name: capacityLine(c),
      ...(met
        ? {}
        : {
            outcome: {
              kind: 'failure',
              type: 'CapacityExpectationFailed',
              message: c.expectation?.reason ?? 'expectation not met',
            },
          }),
    })
  }
  for (const check of result.checks) {
    const details = check.details
    const lost =
      details && 'lost' in details
        ? details.lost.map((f) => describeLost(f, details.type)).join('\n')
        : ''
    cases.push({
      classname: `${result.experiment}.checks`,
      name: `${check.name} (${check.type})`,
      ...(check.verdict === 'Failed'
        ? {
            outcome: {
              kind: 'failure',
              type: 'CheckFailed',
              message: check.message,
              text: `${check.message}${lost ? `\nlost:\n${lost}` : ''}`,
            },
          }
        : check.verdict === 'N/A'
          ? { outcome: { kind: 'skipped', message: check.message } }
          : {}),
    })
  }
  for (const fault of result.faults) {
    for (const r of fault.recovery ?? []) {
      cases.push({
        classname: `${result.experiment}.${fault.name}`,
        name: `recovery of ${r.workload}`,
        ...(r.ms === undefined ? {} : { seconds: r.ms / 1000 }),
        ...(r.recovered
          ? {}
          : r.error !== undefined
            ? { outcome: { kind: 'error', type: 'NotMeasured', message: recoveryText(r) } }
            : { outcome: { kind: 'failure', type: 'NotRecovered', message: recoveryText(r) } }),
      })
    }
  }
  if (result.verdict === 'error' || result.verdict === 'interrupted') {
    const message = result.reason ?? result.verdict
    cases.push({
      classname: result.experiment,
      name: 'run',
      outcome: { kind: 'error', type: result.verdict, message },
    })
  }
  const seconds = (Date.parse(result.endedAt) - Date.parse(result.startedAt)) / 1000
  return suiteXml(result.experiment, cases, {
    seconds,
    timestamp: result.startedAt,
    properties: {
      verdict: result.verdict,
      resilienceScore: formatScore(result.resilienceScore),
      hypothesis: result.hypothesis,
    },
  })
}

/** The JUnit of a manifest that could not be loaded: one failing test case naming every issue. */
export function invalidManifestJunitXml(
  file: string,
  issues: readonly ManifestIssue[],
  at: Date = new Date()
): string {
  const lines = issues.map(formatIssue)
  const message =
    issues.length === 1 ? (lines[0] ?? '') : `${issues.length} issues, first: ${lines[0] ?? ''}`
  return suiteXml(
    file,
    [
      {
        classname: file,
        name: 'manifest is valid',
        outcome: { kind: 'failure', type: 'InvalidManifest', message, text: lines.join('\n') },
      },
    ],
    { seconds: 0, timestamp: at.toISOString(), properties: { verdict: 'error' } }
  )
}

function suiteXml(
  name: string,
  cases: readonly Case[],
  meta: { seconds: number; timestamp: string; properties: Record<string, string> }
): string {
  const count = (kind: 'failure' | 'error' | 'skipped') =>
    cases.filter((c) => c.outcome?.kind === kind).length
  const totals = { tests: cases.length, failures: count('failure'), errors: count('error') }
  const time = meta.seconds.toFixed(3)
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: 'ordeal',
    ...totals,
    time,
  })
  const suite = root.ele('testsuite', {
    name,
    ...totals,
    skipped: count('skipped'),
    time,
    timestamp: meta.timestamp,
  })
  const properties = suite.ele('properties')
  for (const [key, value] of Object.entries(meta.properties)) {
    properties.ele('property', { name: key, value })
  }
  for (const c of cases) {
    const testcase = suite.ele('testcase', {
      classname: c.classname,
      name: c.name,
      ...(c.seconds === undefined ? {} : { time: c.seconds.toFixed(3) }),
    })
    const o = c.outcome
    if (o?.kind === 'skipped') {
      testcase.ele('skipped', { message: o.message })
    } else if (o) {
      testcase.ele(o.kind, { message: o.message, type: o.type ?? o.kind }).txt(o.text ?? o.message)
    }
  }
  return root.end({ prettyPrint: true })
}

/** The text of a JUnit file: what `--junit` writes and the Chaos Center's download serves. */
export function junitFileText(result: RunResult): string {
  return `${junitXml(result)}\n`
}

export async function writeJunit(file: string, result: RunResult): Promise<void> {
  await writeFile(file, junitFileText(result))
}

export async function writeInvalidManifestJunit(
  file: string,
  manifest: string,
  issues: readonly ManifestIssue[]
): Promise<void> {
  await writeFile(file, `${invalidManifestJunitXml(manifest, issues)}\n`)
}
