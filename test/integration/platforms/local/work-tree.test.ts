/**
 * A run's work tree never lets root follow a symlink the run user planted (a process of that
 * user can outlive its run, and runs share the user): root-owned skeleton, leaves handed over,
 * leaves emptied as their owner. Each test plants the symlink as an attacker would and checks
 * that root did not write, chown or delete its target.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { Journal } from '../../../../src/engine/journal.js'
import { LocalSupervisor } from '../../../../src/platforms/local/local-supervisor.js'
import { lookupUser, type RunUser } from '../../../../src/platforms/local/run-user.js'
import { privateWorkTree, runWorkDir, WORK_LEAF } from '../../../../src/platforms/local/work-dir.js'
import { SystemStartError } from '../../../../src/platforms/local/supervisor.js'
import { createFixture, nodeSpec, type Fixture } from './helpers.js'

const user = lookupUser('ordeal')
const skip =
  process.getuid?.() !== 0 || user === undefined ? 'needs root and an ordeal user' : false
const policy = () => ({ env: 'scrubbed' as const, user: user! })

let fixture: Fixture
/** A root-owned dir with a file: what an attacker points its symlinks at. */
let victim: string
before(async () => {
  fixture = await createFixture()
  victim = mkdtempSync(path.join(os.tmpdir(), 'ordeal-victim-'))
  writeFileSync(path.join(victim, 'secret'), 'precious', { mode: 0o600 })
})
after(async () => {
  rmSync(victim, { recursive: true, force: true })
  await fixture.cleanup()
})

/** Runs `argv` as the run user, as a process it left behind would. */
function asUser(runUser: RunUser, argv: string[]): void {
  execFileSync(
    'setpriv',
    [`--reuid=${runUser.uid}`, `--regid=${runUser.gid}`, '--clear-groups', '--', ...argv],
    {
      cwd: '/',
      stdio: 'ignore',
    }
  )
}

function assertVictimUntouched(): void {
  const info = statSync(victim)
  assert.equal(info.uid, 0, 'the victim dir was chowned')
  assert.equal(info.mode & 0o777, 0o700, 'the victim dir was chmodded')
  assert.equal(readFileSync(path.join(victim, 'secret'), 'utf8'), 'precious')
}

function supervisor(runDir: string): LocalSupervisor {
  return new LocalSupervisor({
    services: [nodeSpec(fixture, 's', 'setInterval(() => {}, 1000)')],
    runDir,
    exec: policy(),
    journal: new Journal(),
    log: () => undefined,
  })
}

test(
  "the tree is root-owned 0711; only work/ is the run user's, and it cannot write where the manifest copy goes",
  { skip },
  () => {
    const tree = privateWorkTree('layout', policy())
    try {
      const top = statSync(tree.dir)
      assert.equal(top.uid, 0)
      assert.equal(top.mode & 0o777, 0o711)
      assert.equal(tree.home, path.join(tree.dir, WORK_LEAF))
      const home = statSync(tree.home)
      assert.equal(home.uid, user!.uid)
      assert.equal(home.mode & 0o777, 0o711)
      // Where run-process/process.ts writes the YAML: the run user cannot plant anything there.
      assert.throws(() => asUser(user!, ['ln', '-s', victim, path.join(tree.dir, 'x.yaml')]))
      assert.ok(!existsSync(path.join(tree.dir, 'x.yaml')))
    } finally {
      tree.remove()
    }
    assert.ok(!existsSync(tree.dir))
  }
)

test(
  'a data symlink planted before prepare is neither followed nor chowned',
  { skip },
  async () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-planted-'))
    try {
      symlinkSync(victim, path.join(runDir, 'data'))
      await assert.rejects(supervisor(runDir).prepare(), SystemStartError)
      assertVictimUntouched()
      assert.ok(!existsSync(path.join(victim, 's-0')), 'a data dir was made in the victim')
    } finally {
      rmSync(runDir, { recursive: true, force: true })
    }
  }
)

test(
  "a symlink in place of a replica's data dir is neither followed nor chowned",
  { skip },
  async () => {
    const runDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-planted-'))
    try {
      mkdirSync(path.join(runDir, 'data'))
      symlinkSync(victim, path.join(runDir, 'data', 's-0'))
      await assert.rejects(supervisor(runDir).prepare(), SystemStartError)
      assertVictimUntouched()
    } finally {
      rmSync(runDir, { recursive: true, force: true })
    }
  }
)

test(
  "prepare hands over only the leaves: data/ stays root-owned, data/s-0 is the run user's",
  { skip },
  async () => {
    const tree = privateWorkTree('leaves', policy())
    try {
      await supervisor(tree.dir).prepare()
      const data = statSync(path.join(tree.dir, 'data'))
      assert.equal(data.uid, 0)
      assert.equal(data.mode & 0o777, 0o711)
      const leaf = statSync(path.join(tree.dir, 'data', 's-0'))
      assert.equal(leaf.uid, user!.uid)
      assert.equal(leaf.mode & 0o777, 0o700)
    } finally {
      tree.remove()
    }
  }
)

test(
  'removing the tree deletes what the run user left as that user, never through its symlinks',
  { skip },
  async () => {
    const tree = privateWorkTree('remove', policy())
    await supervisor(tree.dir).prepare()
    const leaf = path.join(tree.dir, 'data', 's-0')
    asUser(user!, [
      'sh',
      '-c',
      `mkdir "$1/sub" && touch "$1/sub/f" && ln -s "$2" "$1/link" && ln -s "$2" "$3/link"`,
      'sh',
      leaf,
      victim,
      tree.home,
    ])
    const work = runWorkDir('remove', '/nonexistent', policy(), tree.dir)
    assert.equal(work.home, tree.home)
    work.remove()
    assert.ok(!existsSync(leaf))
    tree.remove()
    assert.ok(!existsSync(tree.dir))
    assertVictimUntouched()
  }
)
