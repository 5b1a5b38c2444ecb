/**
 * Which directories a disk-fault mounts over, checked on real files before any helper starts:
 * an existing directory, not a symlink (its parents resolved first), not a refused place, and in
 * a Chaos Center run (`owners` given) one that belongs to the run's users.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { checkMountDir } from '../../../src/disk/run-mounts.js'

let dir: string
const own = () => ({ runDir: path.join(dir, 'run'), workDir: path.join(dir, 'run') })
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-mount-dir-'))
  mkdirSync(path.join(dir, 'run', 'data', 'db-0'), { recursive: true })
  mkdirSync(path.join(dir, 'mine'))
  writeFileSync(path.join(dir, 'file'), 'x')
  symlinkSync(path.join(dir, 'mine'), path.join(dir, 'link'))
  symlinkSync(dir, path.join(dir, 'up'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

describe('checkMountDir', () => {
  test('a directory gives its real path, parents resolved', () => {
    assert.equal(checkMountDir(path.join(dir, 'mine'), own()), path.join(dir, 'mine'))
    assert.equal(checkMountDir(path.join(dir, 'up', 'mine'), own()), path.join(dir, 'mine'))
  })

  test('a missing path, a file, a symlink: one line each', () => {
    assert.throws(() => checkMountDir(path.join(dir, 'nowhere'), own()), /does not exist$/)
    assert.throws(() => checkMountDir(path.join(dir, 'file'), own()), /is not a directory$/)
    assert.throws(() => checkMountDir(path.join(dir, 'link'), own()), /is a symlink/)
  })

  test("the run's own dirs are refused, its data dirs are not", () => {
    assert.throws(() => checkMountDir(path.join(dir, 'run'), own()), /holds the run's dir/)
    assert.equal(
      checkMountDir(path.join(dir, 'run', 'data', 'db-0'), own()),
      path.join(dir, 'run', 'data', 'db-0')
    )
    assert.throws(() => checkMountDir('/etc', own()), /system directory/)
  })

  test(
    'a Chaos Center run mounts only over a directory of its users, inside its own work dir',
    { skip: process.getuid?.() !== 0 ? 'needs root' : undefined },
    () => {
      const data = path.join(dir, 'run', 'data', 'db-0')
      chownSync(data, 999, 999)
      assert.equal(checkMountDir(data, { ...own(), owners: [999] }), data)
      chownSync(data, 0, 0)
      assert.throws(
        () => checkMountDir(data, { ...own(), owners: [999] }),
        /belongs to uid 0, not to the run's user/
      )
      // The user's own, but outside this run's work dir (a home, a dir other runs share).
      const mine = path.join(dir, 'mine')
      chownSync(mine, 999, 999)
      assert.throws(
        () => checkMountDir(mine, { ...own(), owners: [999] }),
        /is outside this run's work dir/
      )
    }
  )
})
