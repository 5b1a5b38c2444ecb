import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Ledger } from './ledger.js'
import { LedgerWatch, type ForeignUndo } from './ledger-watch.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-watch-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const none = (label: string) => ({ kind: 'none' as const, label })

test("another process's undone marks are reported once, per fault; the runner's own never", () => {
  const runner = new Ledger('r1', dir)
  const a = runner.record('f1', none('a'), 0)
  const b = runner.record('f1', none('b'), 0)
  const s = runner.record('system', none('service'), 0)
  const byFault: ForeignUndo[] = []
  const others: ForeignUndo[] = []
  const watch = new LedgerWatch(runner, (u) => others.push(u))
  watch.listen('f1', (u) => byFault.push(u))
  watch.check()
  runner.markUndone(b.id) // ours: not an early revert
  const watchdog = new Ledger('r1', dir, 'watchdog')
  watchdog.markUndone(a.id, 'deadline passed')
  watchdog.markUndone(a.id, 'deadline passed') // twice: still one report
  new Ledger('r1', dir, 'ordeal recover --force').markUndone(s.id, 'forced')
  watch.check()
  assert.deepEqual(
    byFault.map((u) => [u.entry.id, u.by, u.reason]),
    [[a.id, 'watchdog', 'deadline passed']]
  )
  assert.deepEqual(
    others.map((u) => [u.entry.undo.label, u.by]),
    [['service', 'ordeal recover --force']]
  )
  watch.close()
})

test('a line being written is read once it is whole', () => {
  const runner = new Ledger('r2', dir)
  const a = runner.record('f', none('a'), 0)
  const seen: string[] = []
  const watch = new LedgerWatch(runner, (u) => seen.push(u.entry.id))
  const line = JSON.stringify({ op: 'undone', id: a.id, t: 1, by: 'watchdog' })
  appendFileSync(runner.file, line.slice(0, 10))
  watch.check()
  assert.deepEqual(seen, [])
  appendFileSync(runner.file, `${line.slice(10)}\n`)
  watch.check()
  assert.deepEqual(seen, [a.id])
  watch.close()
})

test('follows the file: a foreign mark is reported without being asked', async () => {
  const runner = new Ledger('r3', dir)
  const a = runner.record('f', none('a'), 0)
  const watch = new LedgerWatch(runner, () => undefined)
  const reported = new Promise<ForeignUndo>((resolve) => watch.listen('f', resolve))
  watch.start()
  new Ledger('r3', dir, 'watchdog').markUndone(a.id, 'lease lapsed')
  // The watcher does not keep a process alive (a run has its own reasons to live): this does.
  const keepAlive = setTimeout(() => undefined, 10_000)
  const u = await reported
  clearTimeout(keepAlive)
  assert.equal(u.reason, 'lease lapsed')
  watch.close()
})
