/**
 * A run's bundle is unpacked by root for the run user: nothing the run user plants (before or
 * during the unpack, from a process of another run) may make root write outside the run's
 * tree. Real processes of the `ordeal` user play the attacker and the service.
 */
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs'
import { once } from 'node:events'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { after, before, test } from 'node:test'
import { BundleError, unpackBundle } from '../../../../src/experiment/bundle.js'
import { lookupUser, type RunUser } from '../../../../src/platforms/local/run-user.js'
import {
  privateWorkTree,
  unpackWorkLeaf,
  WORK_LEAF,
} from '../../../../src/platforms/local/work-dir.js'

const user = lookupUser('ordeal')
const skip =
  process.getuid?.() !== 0 || user === undefined ? 'needs root and an ordeal user' : false
const policy = () => ({ env: 'scrubbed' as const, user: user! })

/** Root's dir that the attacker aims at (reachable by the run user, as /etc is). */
let outside: string
before(() => {
  outside = mkdtempSync(path.join(os.tmpdir(), 'ordeal-outside-'))
  chmodSync(outside, 0o777)
})
after(() => rmSync(outside, { recursive: true, force: true }))

function bundle(files: Array<{ path: string; mode?: number; data?: string }>): string {
  const list = files.map((f) => ({
    path: f.path,
    mode: f.mode ?? 0o644,
    data: Buffer.from(f.data ?? f.path).toString('base64'),
  }))
  return gzipSync(Buffer.from(JSON.stringify(list))).toString('base64')
}

function asUser(runUser: RunUser, argv: string[]): string {
  return execFileSync(
    'setpriv',
    [`--reuid=${runUser.uid}`, `--regid=${runUser.gid}`, '--clear-groups', '--', ...argv],
    { cwd: '/', encoding: 'utf8' }
  )
}

test(
  "a symlink planted in a leaf the run user owns is refused: root writes nothing through it (the reviewer's /outside/pwned)",
  { skip },
  async () => {
    const tree = mkdtempSync(path.join(os.tmpdir(), 'ordeal-planted-'))
    try {
      chmodSync(tree, 0o711)
      const work = path.join(tree, WORK_LEAF)
      mkdirSync(work, { mode: 0o711 })
      lchownSync(work, user!.uid, user!.gid)
      asUser(user!, ['ln', '-s', outside, path.join(work, 'sub')])
      await assert.rejects(
        unpackBundle(bundle([{ path: 'sub/pwned' }]), work, { owner: user! }),
        (err: unknown) => err instanceof BundleError && /private \(0700\)/.test(err.message)
      )
      // The leaf itself a symlink (root's or not): refused too, never followed.
      rmSync(work, { recursive: true })
      execFileSync('ln', ['-s', outside, work])
      await assert.rejects(unpackBundle(bundle([{ path: 'pwned' }]), work), /not a real directory/)
      assert.deepEqual(readdirSync(outside), [])
    } finally {
      rmSync(tree, { recursive: true, force: true })
    }
  }
)

test(
  'a run-user process racing the unpack cannot plant a symlink; the finished tree is the run user’s, modes masked',
  { skip },
  async () => {
    const tree = privateWorkTree('race', policy(), true)
    const work = path.join(tree.dir, WORK_LEAF)
    // Another run's service (same user) tries, as fast as it can, to plant links where the
    // bundle's dirs and files go. Each name exists once the unpack is done, so any success
    // happened while root was writing. (Renaming files after the hand-over is the user's right.)
    const attacker = spawn(
      'setpriv',
      [
        `--reuid=${user!.uid}`,
        `--regid=${user!.gid}`,
        '--clear-groups',
        '--',
        process.execPath,
        '-e',
        `
        const fs = require('node:fs')
        const [work, outside] = process.argv.slice(1)
        let won = 0
        const tryLink = (target, at) => { try { fs.symlinkSync(target, at); won++; console.log('planted ' + at) } catch {} }
        console.log('ready')
        const loop = () => {
          tryLink(outside, work + '/sub')
          tryLink(outside, work + '/sub/deeper')
          tryLink(outside + '/x', work + '/sub/f0')
          tryLink(outside + '/x', work + '/top')
          setImmediate(loop)
        }
        loop()
        `,
        work,
        outside,
      ],
      { cwd: '/', stdio: ['ignore', 'pipe', 'inherit'] }
    )
    let out = ''
    attacker.stdout.setEncoding('utf8')
    attacker.stdout.on('data', (chunk: string) => (out += chunk))
    try {
      while (!out.includes('ready')) {
        await once(attacker.stdout, 'data')
      }
      const files = [
        { path: 'top', mode: 0o4777 },
        ...Array.from({ length: 300 }, (_, i) => ({ path: `sub/f${i}`, mode: 0o666 })),
        { path: 'sub/deeper/run.sh', mode: 0o700, data: '#!/bin/sh\necho ok\n' },
      ]
      const home = await unpackWorkLeaf(tree, bundle(files), user)
      assert.equal(home, work)
      attacker.kill()
      await once(attacker, 'exit')
      assert.doesNotMatch(out, /planted/, 'the attacker planted a link while root was unpacking')
      assert.deepEqual(readdirSync(outside), [])

      const leaf = lstatSync(work)
      assert.equal(leaf.uid, user!.uid)
      assert.equal(leaf.mode & 0o777, 0o711)
      for (const dir of ['sub', 'sub/deeper']) {
        const info = lstatSync(path.join(work, dir))
        assert.ok(info.isDirectory() && info.uid === user!.uid, dir)
      }
      assert.equal(lstatSync(path.join(work, 'top')).mode & 0o7777, 0o755)
      assert.equal(lstatSync(path.join(work, 'sub/f0')).mode & 0o777, 0o644)
      assert.equal(statSync(path.join(work, 'sub/f0')).uid, user!.uid)
      // The service, as the run user, reads, runs and writes its files.
      assert.equal(asUser(user!, ['cat', path.join(work, 'sub/f7')]), 'sub/f7')
      assert.equal(asUser(user!, [path.join(work, 'sub/deeper/run.sh')]), 'ok\n')
      asUser(user!, ['sh', '-c', `echo new > ${work}/sub/f1 && echo mine > ${work}/sub/new`])
      assert.equal(readFileSync(path.join(work, 'sub/new'), 'utf8'), 'mine\n')
    } finally {
      attacker.kill()
      tree.remove()
    }
    assert.equal(existsSync(tree.dir), false)
  }
)
