/**
 * ordeal-diskfs as a process: bad arguments exit 2 with one line; a started helper shows its
 * name as the mount's source (what the watchdog looks for), keeps its control socket root-only,
 * and leaves nothing behind on SIGTERM or SIGINT; killed, it leaves a mount that `umount -l`
 * (the watchdog's undo) removes.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { waitUntil } from '../../support/fault-proc.js'
import {
  buildDiskfs,
  cleanupDiskWork,
  diskfsBinary,
  diskWorkDir,
  mountsNamed,
  startDiskfs,
} from '../../support/diskfs.js'

describe('ordeal-diskfs process', () => {
  let base: string
  before(() => {
    buildDiskfs()
    base = diskWorkDir()
  })
  after(() => cleanupDiskWork(base))

  test('bad arguments: exit 2 and one line naming the argument, nothing mounted', () => {
    const file = path.join(base, 'a-file')
    writeFileSync(file, '')
    const sock = path.join(base, 'bad.sock')
    const cases: [string[], RegExp][] = [
      [
        ['--dir', path.join(base, 'missing'), '--control', sock, '--name', 'n'],
        /^ordeal-diskfs: --dir .*missing: No such file or directory$/,
      ],
      [
        ['--dir', file, '--control', sock, '--name', 'n'],
        /^ordeal-diskfs: --dir .*a-file: Not a directory$/,
      ],
      [['--dir', base, '--name', 'n'], /^ordeal-diskfs: --control is required$/],
      [['--dir', base, '--control', sock], /^ordeal-diskfs: --name is required$/],
      [
        ['--dir', base, '--control', sock, '--name', 'a,b'],
        /^ordeal-diskfs: --name 'a,b': only letters/,
      ],
      [
        ['--dir', base, '--control', sock, '--name', 'n', '--seed', '-1'],
        /^ordeal-diskfs: --seed: '-1'/,
      ],
      [
        ['--dir', base, '--control', sock, '--name', 'n', '--lazy-cap', '0'],
        /^ordeal-diskfs: --lazy-cap: '0'/,
      ],
      [
        ['--dir', base, '--control', sock, '--name', 'n', '--fast'],
        /^ordeal-diskfs: unknown or incomplete option '--fast'/,
      ],
      [
        ['--dir', base, '--control', path.join(base, 'no/such/dir.sock'), '--name', 'n'],
        /^ordeal-diskfs: --control .*: No such file or directory$/,
      ],
    ]
    for (const [args, message] of cases) {
      const r = spawnSync(diskfsBinary, args, { encoding: 'utf8', timeout: 10_000 })
      assert.equal(r.status, 2, args.join(' '))
      assert.equal(r.stdout, '')
      assert.match(r.stderr, /^[^\n]+\n$/, 'one line')
      assert.match(r.stderr.trimEnd(), message)
      assert.deepEqual(mountsNamed('n'), [])
      assert.ok(!existsSync(sock))
    }
  })

  test('the mount carries the name as its source; the socket is 0600; SIGINT and SIGTERM leave nothing', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dir = path.join(base, `sig-${signal}`)
      const fs = await startDiskfs(dir)
      const line = readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .find((l) => l.split(' ')[4] === dir)
      assert.ok(line, 'mounted on the directory itself')
      assert.match(line, new RegExp(` - fuse\\.ordeal-diskfs ${fs.name} `))
      assert.match(line, /default_permissions/)
      assert.match(line, /allow_other/)
      assert.equal(statSync(fs.control).mode & 0o777, 0o600)
      const exited = new Promise((resolve) => fs.child.once('exit', resolve))
      fs.child.kill(signal)
      await exited // by this signal alone; stop() then checks what is left
      await fs.stop()
    }
  })

  test('killed, it leaves a dead mount under its name, which umount -l removes', async () => {
    const dir = path.join(base, 'killed')
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'kept'), 'backing')
    const fs = await startDiskfs(dir)
    fs.child.kill('SIGKILL')
    await waitUntil('the helper to die', () => fs.child.exitCode !== null || fs.child.signalCode)
    assert.deepEqual(mountsNamed(fs.name), [dir])
    assert.throws(() => statSync(path.join(dir, 'kept')), /ENOTCONN/)
    execFileSync('umount', ['-l', dir])
    assert.deepEqual(mountsNamed(fs.name), [])
    assert.equal(readFileSync(path.join(dir, 'kept'), 'utf8'), 'backing')
  })
})
