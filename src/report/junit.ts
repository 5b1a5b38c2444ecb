/**
 * `--junit FILE`: one test case per probe (and, later, per check), grouped in one suite per
 * experiment, so CI systems show which part of the hypothesis failed.
 * @module
 */
import { writeFile } from 'node:fs/promises'
import { create } from 'xmlbuilder2'
import type { RunResult } from '../engine/result.js'

export function junitXml(result: RunResult): string {
  const stepName = new Map(result.steps.map((s) => [s.id, s.name]))
  const thresholds = result.loads.flatMap((l) => l.summary?.thresholds ?? [])
  const verdicts = [
    ...result.probes.map((p) => p.verdict),
    ...result.checks.map((c) => c.verdict),
    ...thresholds.map((t) => (t.ok ? 'Passed' : 'Failed')),
  ]
  const tests = verdicts.length
  const failures = verdicts.filter((v) => v === 'Failed').length
  const skipped = verdicts.filter((v) => v === 'N/A').length
  const seconds = (Date.parse(result.endedAt) - Date.parse(result.startedAt)) / 1000
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', {
    name: 'ordeal',
    tests,
    failures,
    errors: result.verdict === 'error' ? 1 : 0,
    time: seconds.toFixed(3),
  })
  const suite = root.ele('testsuite', {
    name: result.experiment,
    tests,
    failures,
    errors: result.verdict === 'error' ? 1 : 0,
    skipped,
    time: seconds.toFixed(3),
    timestamp: result.startedAt,
  })
  suite
    .ele('properties')
    .ele('property', { name: 'verdict', value: result.verdict })
    .up()
    .ele('property', { name: 'resilienceScore', value: String(result.resilienceScore) })
    .up()
    .ele('property', { name: 'hypothesis', value: result.hypothesis })
  for (const probe of result.probes) {
    const testcase = suite.ele('testcase', {
      classname: `${result.experiment}.${stepName.get(probe.stepId) ?? probe.stepId}`,
      name: `${probe.name} (${probe.type}, ${probe.mode})`,
    })
    if (probe.verdict === 'Failed') {
      testcase.ele('failure', { message: probe.message, type: 'ProbeFailed' }).txt(probe.message)
    } else if (probe.verdict === 'N/A') {
      testcase.ele('skipped', { message: probe.message })
    }
  }
  for (const load of result.loads) {
    for (const t of load.summary?.thresholds ?? []) {
      const testcase = suite.ele('testcase', {
        classname: `${result.experiment}.${load.name}`,
        name: `threshold ${t.metric}: ${t.expression}`,
      })
      if (!t.ok) {
        testcase
          .ele('failure', { message: `observed ${t.observed}`, type: 'ThresholdFailed' })
          .txt(`observed ${t.observed}`)
      }
    }
  }
  for (const check of result.checks) {
    const testcase = suite.ele('testcase', {
      classname: `${result.experiment}.checks`,
      name: `${check.name} (${check.type})`,
    })
    if (check.verdict === 'Failed') {
      const lost =
        check.details?.lost
          .map((f) => `${f.id} at +${Math.round(f.at)}ms (${f.window})`)
          .join('\n') ?? ''
      testcase
        .ele('failure', { message: check.message, type: 'CheckFailed' })
        .txt(`${check.message}${lost ? `\nlost:\n${lost}` : ''}`)
    } else if (check.verdict === 'N/A') {
      testcase.ele('skipped', { message: check.message })
    }
  }
  if (result.verdict === 'error' || result.verdict === 'interrupted') {
    suite
      .ele('testcase', { classname: result.experiment, name: 'run' })
      .ele('error', { message: result.reason ?? result.verdict, type: result.verdict })
      .txt(result.reason ?? result.verdict)
  }
  return root.end({ prettyPrint: true })
}

export async function writeJunit(file: string, result: RunResult): Promise<void> {
  await writeFile(file, `${junitXml(result)}\n`)
}
