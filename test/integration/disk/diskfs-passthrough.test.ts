/**
 * ordeal-diskfs without rules, mounted over a directory: a real program sees exactly what it
 * sees in a bare directory (contents, stat, listings, renames, unlinks), files land in the
 * backing unchanged, what a user creates belongs to that user, and the kernel refuses that
 * user a root-only file (default_permissions).
 */
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { diskProgramBinary, runDiskProgram } from '../../support/disk-program.js'
import { buildDiskfs, cleanupDiskWork, diskWorkDir, startDiskfs } from '../../support/diskfs.js'
import { runUser } from '../../support/run-as.js'

/** A sequence of everyday operations on `d`, printed by the program step by step. */
const everyday = (d: string) => [
  `write:${d}/a:alpha`,
  `read:${d}/a`,
  `stat:${d}/a`,
  `mkdir:${d}/sub`,
  `writefsync:${d}/sub/b:beta`,
  `rename:${d}/a:${d}/sub/a2`,
  `ls:${d}`,
  `ls:${d}/sub`,
  `write:${d}/c:gamma`,
  `rename:${d}/c:${d}/sub/b`,
  `read:${d}/sub/b`,
  `unlink:${d}/sub/a2`,
  `unlink:${d}/missing`,
  `rmdir:${d}/sub`,
  `stat:${d}/sub`,
  `fsyncdir:${d}/sub`,
  `ls:${d}/sub`,
]

/** Names and contents under `dir`, recursively (what the backing holds). */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) =>
      e.isDirectory()
        ? [`${prefix}${e.name}/`, ...tree(path.join(dir, e.name), `${prefix}${e.name}/`)]
        : [`${prefix}${e.name}=${readFileSync(path.join(dir, e.name), 'utf8')}`]
    )
}

/** fsync times vary: keep only what must be identical. */
const stable = (lines: string[]) => lines.map((l) => l.replace(/^(fsync(dir)? ok) \d+$/, '$1'))

describe('ordeal-diskfs pass-through', () => {
  let base: string
  before(() => {
    buildDiskfs()
    diskProgramBinary()
    base = diskWorkDir()
  })
  after(() => cleanupDiskWork(base))

  test('a program sees what it sees in a bare directory, and the backing holds the same files', async () => {
    const bare = path.join(base, 'bare')
    mkdirSync(bare)
    writeFileSync(path.join(bare, 'before'), 'was there')
    const expected = runDiskProgram(everyday(bare))

    const dir = path.join(base, 'mounted')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'before'), 'was there') // the mount shows what it covers
    const fs = await startDiskfs(dir)
    try {
      const seen = runDiskProgram(everyday(dir))
      assert.deepEqual(stable(seen), stable(expected))
      assert.ok(seen.includes('unlink ENOENT'), 'errors of the backing pass through')
      assert.deepEqual(runDiskProgram([`read:${dir}/before`]), ['read ok was there'])
      assert.match(await fs.command('stats'), /^ok ops=\d+ errors=0 dirty=0 pending=0$/)
    } finally {
      await fs.stop()
    }
    assert.deepEqual(tree(dir), tree(bare), 'after unmount, the backing is the bare result')
  })

  test('what uid 999 creates is owned by 999; a root-only file stays closed to it', async (t) => {
    if (runUser === undefined) {
      return t.skip('needs root and the ordeal user')
    }
    const user = { uid: runUser.uid, gid: runUser.gid }
    const dir = path.join(base, 'owners')
    mkdirSync(dir)
    chmodSync(dir, 0o777)
    writeFileSync(path.join(dir, 'secret'), 'root only', { mode: 0o600 })
    const fs = await startDiskfs(dir)
    try {
      const lines = runDiskProgram(
        [
          `write:${dir}/mine:by 999`,
          `mkdir:${dir}/mydir`,
          `read:${dir}/secret`,
          `read:${dir}/mine`,
        ],
        user
      )
      assert.deepEqual(lines, ['write ok', 'mkdir ok', 'read EACCES at open', 'read ok by 999'])
    } finally {
      await fs.stop()
    }
    for (const name of ['mine', 'mydir']) {
      const st = statSync(path.join(dir, name))
      assert.deepEqual([st.uid, st.gid], [user.uid, user.gid], `${name} in the backing`)
    }
    assert.equal(statSync(path.join(dir, 'secret')).uid, 0)
  })
})
