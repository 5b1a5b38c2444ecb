import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import { Ledger } from './ledger.js'
import {
  cgroup2Mounts,
  createCgroup,
  joinCgroupArgv,
  killCgroup,
  openRunCgroup,
  runCgroupPath,
  writableCgroup2,
} from './run-cgroup.js'

const tmp = mkdtempSync(path.join(os.tmpdir(), 'ordeal-cgroup-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

const kHybrid = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/pids cgroup rw,relatime,pids 0 0
cgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0
cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0
`
const kPureV2 = `proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot 0 0
`

describe('cgroup2Mounts', () => {
  it('finds the unified hierarchy of a hybrid system and the root of a pure v2 one', () => {
    assert.deepEqual(cgroup2Mounts(kHybrid), ['/sys/fs/cgroup/unified'])
    assert.deepEqual(cgroup2Mounts(kPureV2), ['/sys/fs/cgroup'])
  })

  it('skips cgroup v1 hierarchies and read-only cgroup2 mounts (a container)', () => {
    const v1Only = kHybrid.split('\n').slice(0, 4).join('\n')
    assert.deepEqual(cgroup2Mounts(v1Only), [])
    assert.deepEqual(cgroup2Mounts('cgroup2 /sys/fs/cgroup cgroup2 ro,nosuid 0 0\n'), [])
    assert.deepEqual(cgroup2Mounts(''), [])
  })

  it('reads back any mount point /proc/self/mounts escapes (space, tab, newline, backslash)', () => {
    const escape = (p: string) =>
      p.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (name) => {
        const mount = `/mnt/${name}`
        const line = `cgroup2 ${escape(mount)} cgroup2 rw,relatime 0 0`
        assert.deepEqual(cgroup2Mounts(`${kPureV2}${line}\n`), ['/sys/fs/cgroup', mount])
      })
    )
  })
})

describe('writableCgroup2', () => {
  it('takes the first cgroup2 mount that exists and is writable', () => {
    const mounts = path.join(tmp, 'mounts')
    writeFileSync(
      mounts,
      `cgroup2 ${path.join(tmp, 'missing')} cgroup2 rw 0 0\ncgroup2 ${tmp} cgroup2 rw 0 0\n`
    )
    assert.equal(writableCgroup2(mounts), tmp)
  })

  it('is undefined when none is mounted or the mounts cannot be read', () => {
    const mounts = path.join(tmp, 'v1-mounts')
    writeFileSync(mounts, 'cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n')
    assert.equal(writableCgroup2(mounts), undefined)
    assert.equal(writableCgroup2(path.join(tmp, 'no-such-file')), undefined)
  })
})

describe('joinCgroupArgv', () => {
  it('joins first and execs the argv unchanged, the path passed as data', () => {
    const argv = joinCgroupArgv('/cg/ordeal/r$(id)', ['ip', 'netns', 'exec', 'ns', 'setpriv'])
    assert.deepEqual(argv, [
      '/bin/sh',
      '-c',
      'echo $$ > "$0" && exec "$@"',
      '/cg/ordeal/r$(id)/cgroup.procs',
      'ip',
      'netns',
      'exec',
      'ns',
      'setpriv',
    ])
  })
})

describe('openRunCgroup', () => {
  it('records its undo in the ledger before it makes the directory', () => {
    const ledger = new Ledger('run-a', path.join(tmp, 'ledgers'))
    const mount = path.join(tmp, 'mount-a')
    const cgroup = openRunCgroup('run-a', ledger, 'system', 1, mount)
    assert.ok('dir' in cgroup)
    assert.equal(cgroup.dir, runCgroupPath(mount, 'run-a'))
    assert.ok(existsSync(cgroup.dir))
    assert.deepEqual(
      ledger.pending().map((e) => e.undo),
      [{ kind: 'remove-cgroup', path: cgroup.dir, label: `the run's cgroup ${cgroup.dir}` }]
    )
  })

  it('says why when there is no cgroup2, and records nothing', () => {
    const ledger = new Ledger('run-b', path.join(tmp, 'ledgers'))
    const cgroup = openRunCgroup('run-b', ledger, 'system', 1, undefined)
    assert.ok('unavailable' in cgroup)
    assert.match(cgroup.unavailable, /no writable cgroup2/)
    assert.deepEqual(ledger.pending(), [])
  })

  it('leaves nothing pending when the directory cannot be made', () => {
    const ledger = new Ledger('run-c', path.join(tmp, 'ledgers'))
    const file = path.join(tmp, 'a-file')
    writeFileSync(file, '')
    const cgroup = openRunCgroup('run-c', ledger, 'system', 1, file)
    assert.ok('unavailable' in cgroup)
    assert.match(cgroup.unavailable, /could not create cgroup/)
    assert.deepEqual(ledger.pending(), [])
  })
})

describe('killCgroup', () => {
  it('is done when the cgroup is already gone (an undo replayed by recovery)', async () => {
    await killCgroup(path.join(tmp, 'never-made'))
  })
})

describe('killCgroup on a real cgroup2', () => {
  const mount = writableCgroup2()
  for (const killFile of [true, false]) {
    it(
      `ends a process that left its session and group, and removes the cgroup (${killFile ? 'cgroup.kill' : 'SIGKILL per pid'})`,
      { skip: mount === undefined && 'needs a writable cgroup2 mount (root)' },
      async () => {
        const dir = runCgroupPath(mount!, `unit-${process.pid}-${String(killFile)}`)
        createCgroup(dir)
        const [command, ...args] = joinCgroupArgv(dir, [
          '/bin/sh',
          '-c',
          'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!',
        ])
        const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit'] })
        let out = ''
        child.stdout.on('data', (d: Buffer) => (out += d.toString()))
        await once(child, 'close')
        const escaped = Number(out.trim())
        assert.ok(escaped > 0 && existsSync(`/proc/${escaped}`), out)
        await killCgroup(dir, { killFile })
        assert.equal(existsSync(dir), false)
        const stat = existsSync(`/proc/${escaped}/stat`)
          ? readFileSync(`/proc/${escaped}/stat`, 'utf8')
          : ''
        assert.ok(stat === '' || / Z /.test(stat), `still running: ${stat}`)
      }
    )
  }
})
