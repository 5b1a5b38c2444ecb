/**
 * `ordeal server` refuses bad flags before it opens anything: exit 2 and one line naming the
 * flag, never a stack trace or the "cannot start" exit 3 meant for a store that fails.
 */
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { workspace } from '../support/cli.js'

const ws = workspace()
after(() => ws.cleanup())

test('--data pointing at a regular file (or through one) exits 2 with one line', async () => {
  const file = ws.write('not-a-dir', 'x')
  for (const data of [file, `${file}/sub`]) {
    const r = await ws.run(['server', '--port', '0', '--data', data], { timeoutMs: 20_000 })
    assert.equal(r.exitCode, 2, r.stderr)
    assert.equal(r.stdout, '')
    const lines = r.stderr.trimEnd().split('\n')
    assert.equal(lines.length, 1, r.stderr)
    assert.match(lines[0]!, /^ordeal server: --data '.*not-a-dir(\/sub)?' .*file/)
  }
})

test('a bad --rate-limit exits 2 with one line naming it', async () => {
  const r = await ws.run(
    ['server', '--port', '0', '--data', `${ws.dir}/data`, '--rate-limit', 'login=many'],
    { timeoutMs: 20_000 }
  )
  assert.equal(r.exitCode, 2, r.stderr)
  assert.equal(
    r.stderr,
    "ordeal server: --rate-limit: 'login=many' is not NAME=N (login, write, ingest, window)\n"
  )
})

test('--data where no directory can be made ends at once with one line, not a spin', async () => {
  // Node's recursive mkdir retried /proc/nope forever at full CPU and ignored SIGTERM.
  const r = await ws.run(['server', '--port', '0', '--data', '/proc/ordeal-nope/data'], {
    timeoutMs: 20_000,
  })
  assert.equal(r.exitCode, 3, r.stderr)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, /^ordeal server: cannot start on .*\/proc\/ordeal-nope.*ENOENT.*\n$/)
})
