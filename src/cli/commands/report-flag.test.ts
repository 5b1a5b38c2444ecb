import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { reportJournal, reportResult } from '../../../test/support/report-journal.js'
import { ReportCollector } from '../../report/html/collect.js'
import { writeReport } from './report-flag.js'

/** Runs `fn` with stdout and stderr captured (the run's own output is not under test here). */
async function captured<T>(fn: () => Promise<T>) {
  const out: string[] = []
  const err: string[] = []
  const writes = [process.stdout.write, process.stderr.write] as const
  // Strings only: the test runner's own protocol goes through as buffers.
  const grab = (into: string[], original: (typeof writes)[number]) =>
    ((s: unknown, ...rest: unknown[]) =>
      typeof s === 'string'
        ? into.push(s) > 0
        : (original as (...a: unknown[]) => boolean)(s, ...rest)) as typeof process.stdout.write
  process.stdout.write = grab(out, writes[0].bind(process.stdout))
  process.stderr.write = grab(err, writes[1].bind(process.stderr))
  try {
    return { value: await fn(), stdout: out.join(''), stderr: err.join('') }
  } finally {
    process.stdout.write = writes[0]
    process.stderr.write = writes[1]
  }
}

test('a report that cannot be written is one line on stderr; the caller keeps its verdict', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-report-flag-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const events = [...reportJournal({ seconds: 3, rate: 2 })]
  const collector = new ReportCollector().addAll(events)
  // The directory was checked at the start, then removed during the run.
  const gone = path.join(dir, 'gone')
  const r = await captured(() => writeReport(gone, collector, reportResult(events)))
  assert.equal(r.value, false)
  assert.equal(r.stdout, '')
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, r.stderr)
  assert.match(lines[0]!, /^ordeal run: --report .*gone: the report was not written: ENOENT/)
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')

  const ok = await captured(() => writeReport(dir, collector, reportResult(events)))
  assert.equal(ok.value, true)
  assert.equal(ok.stdout, `report: ${path.join(dir, 'report.html')}\n`)
})
