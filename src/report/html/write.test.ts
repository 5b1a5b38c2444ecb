import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { reportJournal, reportResult } from '../../../test/support/report-journal.js'
import { ReportCollector } from './collect.js'
import { reportDirProblem, writeHtmlReport } from './write.js'

test('--report DIR: made when missing (mkdir -p), refused when a file is in the way', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-report-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  const nested = path.join(dir, 'a', 'b')
  assert.equal(reportDirProblem(nested), undefined)
  assert.ok(existsSync(nested))
  writeFileSync(path.join(dir, 'file'), '')
  assert.equal(reportDirProblem(path.join(dir, 'file')), 'is not a directory')
  assert.equal(reportDirProblem(path.join(dir, 'file', 'sub')), 'is not a directory')

  const events = [...reportJournal({ seconds: 3, rate: 2 })]
  const file = await writeHtmlReport(
    nested,
    new ReportCollector().addAll(events).finish(reportResult(events))
  )
  assert.equal(file, path.join(nested, 'report.html'))
  assert.match(readFileSync(file, 'utf8'), /^<!doctype html>/)
})
