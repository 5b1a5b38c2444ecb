import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chownSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { LOCK_FILE, lockDataDir, runningServer, storeIdentity } from './server-lock.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ordeal-server-lock-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const isRoot = process.geteuid?.() === 0

describe('server lock', () => {
  it('names the store it serves, and then its URL', () => {
    const lock = lockDataDir(dir, 'sqlite')
    assert.ok(!('heldBy' in lock))
    assert.deepEqual(runningServer(dir), { pid: process.pid, store: 'sqlite' })
    lock.listening('http://127.0.0.1:7700')
    assert.deepEqual(runningServer(dir), {
      pid: process.pid,
      store: 'sqlite',
      url: 'http://127.0.0.1:7700',
    })
    lock.release()
    assert.equal(runningServer(dir), undefined)
  })

  it('the store identity never carries the password', () => {
    assert.equal(storeIdentity(undefined), 'sqlite')
    assert.equal(
      storeIdentity('postgres://ordeal:s3cret@db:5432/ordeal'),
      'postgres://ordeal:***@db:5432/ordeal'
    )
  })

  it('never writes through a symlink planted as the lock file', () => {
    const target = path.join(dir, 'precious')
    writeFileSync(target, 'keep me\n')
    symlinkSync(target, path.join(dir, LOCK_FILE))
    assert.throws(() => lockDataDir(dir, 'sqlite'), /server\.lock is a symbolic link/)
    assert.throws(() => runningServer(dir), /symbolic link/)
    assert.equal(readFileSync(target, 'utf8'), 'keep me\n')
  })

  it('refuses a lock file another user owns', { skip: !isRoot && 'needs root' }, () => {
    const file = path.join(dir, LOCK_FILE)
    writeFileSync(file, 'theirs\n')
    chownSync(file, 65534, 65534)
    assert.throws(() => lockDataDir(dir, 'sqlite'), /owned by uid 65534/)
    assert.equal(readFileSync(file, 'utf8'), 'theirs\n')
  })

  it('a server starting while a --reset-login probe holds the lock waits for it', async () => {
    const file = path.join(dir, LOCK_FILE)
    writeFileSync(file, '', { mode: 0o600 })
    // A probe's shared lock, let go on its own a moment later (lockDataDir blocks this thread).
    const probe = spawn('flock', ['--shared', file, 'sh', '-c', 'echo held; sleep 0.3'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    await once(probe.stdout, 'data')
    const lock = lockDataDir(dir, 'sqlite')
    assert.ok(!('heldBy' in lock), 'not refused as "already running"')
    lock.release()
    await once(probe, 'exit')
  })

  it('a second server is still refused, naming the first', () => {
    const first = lockDataDir(dir, 'sqlite')
    assert.ok(!('heldBy' in first))
    first.listening('http://127.0.0.1:7700')
    const second = lockDataDir(dir, 'sqlite')
    assert.deepEqual(second, {
      heldBy: { pid: process.pid, store: 'sqlite', url: 'http://127.0.0.1:7700' },
    })
    first.release()
  })
})
