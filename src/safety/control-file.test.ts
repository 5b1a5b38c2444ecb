import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { linkSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { checkControlFile, writeControlFile } from './control-file.js'
import { executeUndo } from './undo.js'

function scratch(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'ordeal-control-'))
}

test('a control file of ordeal is rewritten whole', () => {
  const dir = scratch()
  const file = path.join(dir, 'faketime.rc')
  writeFileSync(file, '+7200 x1.5\n')
  writeControlFile(file, '+0\n')
  assert.equal(readFileSync(file, 'utf8'), '+0\n')
  checkControlFile(file)
  rmSync(dir, { recursive: true })
})

test('a symlink in its place is refused and what it points to is left alone', () => {
  const dir = scratch()
  const victim = path.join(dir, 'victim')
  writeFileSync(victim, 'precious\n')
  const file = path.join(dir, 'faketime.rc')
  symlinkSync(victim, file)
  assert.throws(() => writeControlFile(file, '+0\n'), /is a symlink/)
  assert.throws(() => checkControlFile(file), /is a symlink/)
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n')
  rmSync(dir, { recursive: true })
})

test('a hard link (two names) is refused', () => {
  const dir = scratch()
  const victim = path.join(dir, 'victim')
  writeFileSync(victim, 'precious\n')
  const file = path.join(dir, 'faketime.rc')
  linkSync(victim, file)
  assert.throws(() => writeControlFile(file, '+0\n'), /not the control file ordeal made/)
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n')
  rmSync(dir, { recursive: true })
})

test('a directory in its place is refused', () => {
  const dir = scratch()
  assert.throws(() => writeControlFile(dir, '+0\n'), /cannot open|not the control file/)
  rmSync(dir, { recursive: true })
})

test("the undo of a file that is no longer ordeal's is done, said in its note, and touches nothing", async () => {
  const dir = scratch()
  const victim = path.join(dir, 'victim')
  writeFileSync(victim, 'precious\n')
  const undo = (file: string) =>
    executeUndo({ kind: 'write-file', path: file, content: '+0 x1\n', label: 'real clock' })
  const link = path.join(dir, 'symlink.rc')
  symlinkSync(victim, link)
  assert.match((await undo(link)) ?? '', /^already undone: .*is a symlink/)
  const hard = path.join(dir, 'hard.rc')
  linkSync(victim, hard)
  assert.match((await undo(hard)) ?? '', /^already undone: .*not the control file ordeal made/)
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n')
  const fifo = path.join(dir, 'fifo.rc')
  execFileSync('mkfifo', [fifo])
  assert.match((await undo(fifo)) ?? '', /^already undone: .*ENXIO/)
  assert.equal(await undo(path.join(dir, 'gone.rc')), undefined)
  const own = path.join(dir, 'faketime.rc')
  writeFileSync(own, '+7200 x1\n')
  assert.equal(await undo(own), undefined)
  assert.equal(readFileSync(own, 'utf8'), '+0 x1\n')
  rmSync(dir, { recursive: true })
})
