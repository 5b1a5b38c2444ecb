import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { afterDrop, ENV_ALLOWLIST, dropTo, launcherFor, scrubbedEnv } from './exec-policy.js'

test('a scrubbed environment holds only allowlisted names, whatever ordeal had', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.string()), (from) => {
      const env = scrubbedEnv(from)
      for (const key of Object.keys(env)) {
        assert.ok((ENV_ALLOWLIST as readonly string[]).includes(key), key)
      }
      assert.ok(env['PATH'])
    })
  )
})

test("the launcher adds the manifest's own variables and drops everything else", () => {
  process.env['ORDEAL_TEST_SECRET_X'] = 'x'
  try {
    const launch = launcherFor({ env: 'scrubbed' })(['/bin/sh', '-c', 'true'], { MINE: '1' })
    assert.equal(launch.env['MINE'], '1')
    assert.equal(launch.env['ORDEAL_TEST_SECRET_X'], undefined)
    const inherited = launcherFor({ env: 'inherit' })(['true'])
    assert.equal(inherited.env['ORDEAL_TEST_SECRET_X'], 'x')
  } finally {
    delete process.env['ORDEAL_TEST_SECRET_X']
  }
})

test('another user: the argv goes through setpriv with that user and its own groups', () => {
  const user = { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' }
  assert.deepEqual(dropTo(user, ['sleep', '1']), [
    'setpriv',
    '--reuid=65534',
    '--regid=65534',
    '--init-groups',
    '--',
    'sleep',
    '1',
  ])
  const self = { name: 'me', uid: process.getuid!(), gid: process.getgid!(), home: '/' }
  assert.deepEqual(dropTo(self, ['sleep', '1']), ['sleep', '1'])
  const launch = launcherFor({ env: 'scrubbed', fallbackHome: '/tmp/w' }, user)(['true'])
  assert.equal(launch.env['HOME'], '/tmp/w')
  assert.equal(launch.env['USER'], 'nobody')
})

test("wrapped: the manifest's variables reach the command after the drop, never the root wrappers", () => {
  const user = { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' }
  const own = { PATH: '/tmp/evil', LD_PRELOAD: '/tmp/evil.so', MINE: '1' }
  const launch = launcherFor({ env: 'scrubbed', fallbackHome: '/tmp/w' }, user)(
    ['server', '-v'],
    own
  )
  // setpriv is found and run by root with ordeal's own PATH, and loads nothing of the author's.
  assert.equal(launch.command, 'setpriv')
  assert.notEqual(launch.env['PATH'], '/tmp/evil')
  assert.equal(launch.env['LD_PRELOAD'], undefined)
  assert.equal(launch.env['MINE'], undefined)
  const drop = launch.args.indexOf('--')
  assert.deepEqual(launch.args.slice(drop + 1), [
    'env',
    'PATH=/tmp/evil',
    'LD_PRELOAD=/tmp/evil.so',
    'MINE=1',
    'server',
    '-v',
  ])
  // Inside a cgroup and a namespace too: the variables come last, after every wrapper.
  const placed = launcherFor({ env: 'scrubbed', cgroup: '/sys/fs/cgroup/x' }, user)(
    ['server'],
    own,
    (argv) => ['ip', 'netns', 'exec', 'ns1', ...argv]
  )
  assert.equal(placed.command, '/bin/sh')
  assert.equal(placed.env['PATH'] === '/tmp/evil', false)
  const all = [placed.command, ...placed.args]
  assert.ok(all.indexOf('env') > all.indexOf('setpriv'))
  assert.ok(all.indexOf('setpriv') > all.indexOf('ip'))
  // A bare command (no wrapper) gets them in its own environment, as before.
  const bare = launcherFor({ env: 'scrubbed' })(['server'], own)
  assert.equal(bare.command, 'server')
  assert.equal(bare.env['PATH'], '/tmp/evil')
  assert.throws(() => afterDrop({ A: '1' }, ['/opt/a=b']), /contains '='/)
})

test('loader variables reach a wrapped command after the drop, never the wrappers', () => {
  const user = { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' }
  const launch = launcherFor({ env: 'scrubbed', cgroup: '/sys/fs/cgroup/x' }, user)(
    ['srv', '-p', '1'],
    { MINE: '1', LD_LIBRARY_PATH: '/theirs' },
    (argv) => ['ip', 'netns', 'exec', 'ns1', ...argv],
    { LD_PRELOAD: '/lib/a.so', FIU_CTRL_FIFO: '/run/x/fiu' }
  )
  assert.equal(launch.env['MINE'], undefined)
  for (const key of ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'FIU_CTRL_FIFO']) {
    assert.equal(launch.env[key], undefined, key)
  }
  const argv = [launch.command, ...launch.args]
  const drop = argv.indexOf('setpriv')
  assert.ok(drop > argv.indexOf('ip') && argv.indexOf('ip') > 0, argv.join(' '))
  assert.deepEqual(argv.slice(argv.indexOf('--', drop) + 1), [
    'env',
    'MINE=1',
    'LD_LIBRARY_PATH=/theirs',
    'LD_PRELOAD=/lib/a.so',
    'FIU_CTRL_FIFO=/run/x/fiu',
    'srv',
    '-p',
    '1',
  ])
})

test('a bare command (no drop, namespace or cgroup) gets loader variables in its environment', () => {
  const launch = launcherFor({ env: 'scrubbed' })(['srv'], { LD_LIBRARY_PATH: '/t' }, undefined, {
    LD_PRELOAD: '/lib/a.so',
  })
  assert.deepEqual([launch.command, ...launch.args], ['srv'])
  assert.equal(launch.env['LD_PRELOAD'], '/lib/a.so')
  assert.equal(launch.env['LD_LIBRARY_PATH'], '/t')
})

test("a wrapped command whose path has '=' cannot go through env: refused", () => {
  const launch = launcherFor({ env: 'scrubbed', cgroup: '/sys/fs/cgroup/x' })
  assert.throws(() => launch(['./a=b'], {}, undefined, { LD_PRELOAD: '/x.so' }), /contains '='/)
})
