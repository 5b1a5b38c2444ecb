import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { refusedMountPath } from './refused-paths.js'

const own = {
  stateDir: '/root/.ordeal',
  packageRoot: '/opt/ordeal',
  runDir: '/root/.ordeal/runs/r1',
  workDir: '/root/.ordeal/runs/r1',
}

describe('refusedMountPath', () => {
  test("a data dir of the run, or a directory of the user's own, is allowed", () => {
    for (const dir of [
      '/root/.ordeal/runs/r1/data/db-0',
      '/root/.ordeal/runs/r1/data/db-0/pg',
      '/srv/app/data',
      '/tmp/x',
    ]) {
      assert.equal(refusedMountPath(dir, own), undefined, dir)
    }
  })

  test('system directories and what is under the system trees are refused', () => {
    for (const dir of [
      '/',
      '/etc',
      '/etc/ssl',
      '/usr/lib',
      '/proc/1',
      '/tmp',
      '/var',
      '/home',
      '/dev/shm',
    ]) {
      assert.ok(refusedMountPath(dir, own), dir)
    }
  })

  test("ordeal's state, package, another run's dir and the run dir itself are refused", () => {
    for (const dir of [
      '/root',
      '/root/.ordeal',
      '/root/.ordeal/ledgers',
      '/root/.ordeal/runs',
      '/root/.ordeal/runs/r1',
      '/root/.ordeal/runs/r1/data',
      '/root/.ordeal/runs/r2/data/db-0',
      '/opt/ordeal',
      '/opt/ordeal/dist/native',
      '/opt/ordeal/node_modules/pg',
    ]) {
      assert.ok(refusedMountPath(dir, own), dir)
    }
  })

  test('a private work tree (a Chaos Center run) has its data dirs allowed', () => {
    const cc = { ...own, workDir: '/tmp/ordeal-run-x/work' }
    assert.equal(refusedMountPath('/tmp/ordeal-run-x/work/data/db-0', cc), undefined)
    assert.ok(refusedMountPath('/tmp/ordeal-run-x/work', cc))
    assert.ok(refusedMountPath('/tmp/ordeal-run-x', cc))
  })
})
