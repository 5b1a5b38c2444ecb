/**
 * The launch hook through the real supervisor: a replica of a service with `preload:` starts
 * with LD_PRELOAD (ours first, then the service's own) and the preload's control variables,
 * read back from /proc/PID/environ; its control dir is per run and replica, the service
 * user's, and holds ordeal's own timestamp file. A service without `preload:` gets none of it.
 */
import assert from 'node:assert/strict'
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { hasPreload, readEnviron } from '../../../../src/platforms/local/preload/environ.js'
import { LIBFAKETIME_SO } from '../../../../src/platforms/local/preload/libfaketime.js'
import { FIU_RUN_PRELOAD } from '../../../../src/platforms/local/preload/libfiu.js'
import { lookupUser } from '../../../../src/platforms/local/run-user.js'
import { waitUntil } from '../../../support/fault-proc.js'
import { createFixture, Harness, nodeSpec, type Fixture } from './helpers.js'

const kLibc = '/lib/x86_64-linux-gnu/libc.so.6'
const isRoot = process.getuid?.() === 0
const idle = 'setInterval(() => {}, 1000)'
let fixture: Fixture
let harness: Harness

before(async () => {
  fixture = await createFixture()
  harness = new Harness(fixture)
})
after(async () => {
  await harness.teardown()
  await fixture.cleanup()
})

test(
  'a replica under libfaketime: LD_PRELOAD, its control file, and a run-private control dir',
  { skip: !existsSync(LIBFAKETIME_SO) && 'libfaketime not installed' },
  async () => {
    const supervisor = harness.supervisor([
      nodeSpec(fixture, 'leases', idle, {
        preload: ['libfaketime'],
        env: { LD_PRELOAD: kLibc, OWN: 'kept' },
        replicas: 2,
      }),
      nodeSpec(fixture, 'plain', idle),
    ])
    await supervisor.prepare()
    await supervisor.start()
    const runDir = path.join(fixture.dir, 'run-0')
    for (const target of supervisor.targets('leases')) {
      const env = readEnviron(target.pid)!
      assert.equal(env['LD_PRELOAD'], `${LIBFAKETIME_SO}:${kLibc}`)
      assert.ok(hasPreload(env, [LIBFAKETIME_SO]))
      assert.equal(env['OWN'], 'kept')
      const controlDir = path.join(runDir, 'preload', `leases-${target.replica}`)
      const file = path.join(controlDir, 'faketime.rc')
      assert.equal(env['FAKETIME_TIMESTAMP_FILE'], file)
      assert.equal(env['DONT_FAKE_MONOTONIC'], '1')
      assert.equal(readFileSync(file, 'utf8'), '+0 x1\n')
      const stat = statSync(file)
      assert.equal(stat.mode & 0o777, 0o644)
      assert.equal(stat.uid, process.getuid?.())
    }
    const [plain] = supervisor.targets('plain')
    const env = readEnviron(plain!.pid)!
    assert.equal(env['LD_PRELOAD'], undefined)
    assert.equal(env['FAKETIME_TIMESTAMP_FILE'], undefined)
    assert.ok(!existsSync(path.join(runDir, 'preload', 'plain-0')))
    await supervisor.stop()
  }
)

test(
  "with user: nobody, the control dir is the service user's and the file stays ordeal's",
  {
    skip: (!isRoot && 'needs root') || (!existsSync(LIBFAKETIME_SO) && 'libfaketime not installed'),
  },
  async () => {
    const supervisor = harness.supervisor([
      nodeSpec(fixture, 'leases', idle, {
        preload: ['libfaketime'],
        user: 'nobody',
        group: 'nogroup',
        cwd: '/',
      }),
    ])
    await supervisor.prepare()
    await supervisor.start()
    const [target] = supervisor.targets('leases')
    const env = readEnviron(target!.pid)!
    assert.ok(hasPreload(env, [LIBFAKETIME_SO]))
    const file = env['FAKETIME_TIMESTAMP_FILE']!
    assert.equal(statSync(path.dirname(file)).uid, 65534)
    assert.equal(statSync(file).uid, 0)
    assert.equal(statSync(path.dirname(path.dirname(file))).uid, 0)
    await supervisor.stop()
  }
)

test(
  "with user: ordeal, the preload loads after the privilege drop: the fifos are the service user's",
  {
    skip:
      (!isRoot && 'needs root') ||
      (!existsSync(FIU_RUN_PRELOAD) && 'libfiu not installed') ||
      (!existsSync(LIBFAKETIME_SO) && 'libfaketime not installed'),
  },
  async () => {
    const user = lookupUser('ordeal')!
    chmodSync(fixture.dir, 0o755) // mkdtemp made it 0700: the user could not reach its control dir
    const supervisor = harness.supervisor([
      nodeSpec(fixture, 'both', idle, {
        preload: ['libfiu', 'libfaketime'],
        env: { LD_LIBRARY_PATH: '/nonexistent-own' },
        user: 'ordeal',
        group: 'ordeal',
        cwd: '/',
      }),
    ])
    await supervisor.prepare()
    await supervisor.start()
    const [target] = supervisor.targets('both')
    const pid = target!.pid
    // `env K=V … node` exec'd in place: the recorded pid is the service's own program.
    assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0], process.execPath)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    assert.match(status, new RegExp(`^Uid:\\s+${user.uid}\\s`, 'm'))
    const env = readEnviron(pid)!
    assert.ok(hasPreload(env, [FIU_RUN_PRELOAD, LIBFAKETIME_SO]), env['LD_PRELOAD'])
    assert.equal(env['LD_LIBRARY_PATH'], '/nonexistent-own')
    // libfiu's remote control makes `<prefix>-<pid>.in` as whichever process loads it first
    // under that pid: a root wrapper (sh, setpriv) loading it would leave it uid 0.
    const fifo = `${env['FIU_CTRL_FIFO']}-${pid}.in`
    await waitUntil("the service's fifo", () => existsSync(fifo) || undefined)
    assert.equal(statSync(fifo).uid, user.uid)
    await supervisor.stop()
  }
)
