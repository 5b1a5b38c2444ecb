import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { test } from 'node:test'
import fc from 'fast-check'
import { kKeepLast, kKeepMs, prunable, pruneRunDirs } from './retention.js'

const day = kKeepMs

test('the newest 20 run dirs and any younger than a day stay; the rest go', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.integer({ min: 0, max: 10 * day }), { maxLength: 60 }),
      (ages) => {
        const now = 10 * day
        const entries = ages.map((age, i) => ({ runId: `r${i}`, mtimeMs: now - age }))
        const gone = new Set(prunable(entries, now))
        const newest = [...ages].sort((a, b) => a - b).slice(0, kKeepLast)
        for (const [i, age] of ages.entries()) {
          const keep = newest.includes(age) || age <= day
          assert.equal(gone.has(`r${i}`), !keep)
        }
      }
    )
  )
})

test('pruneRunDirs removes old run dirs of this state dir, never a held run', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-retention-'))
  try {
    const now = Date.now()
    for (let i = 0; i < 25; i++) {
      const runDir = path.join(dir, 'runs', `old-${i}`)
      mkdirSync(runDir, { recursive: true })
      const t = (now - 2 * day - i * 1000) / 1000
      utimesSync(runDir, t, t)
    }
    const removed = pruneRunDirs(
      dir,
      (runId) => runId === 'old-24',
      () => undefined,
      now
    )
    assert.deepEqual(removed.sort(), ['old-20', 'old-21', 'old-22', 'old-23'])
    assert.equal(readdirSync(path.join(dir, 'runs')).length, 21)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
