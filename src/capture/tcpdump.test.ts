import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { GATE, isListening, tcpdumpArgv } from './tcpdump.js'

test('any filter is one argv element after `--`; the only shell script is the constant gate', () => {
  fc.assert(
    fc.property(fc.string({ minLength: 1 }), (filter) => {
      const argv = tcpdumpArgv({ namespace: 'ord-1a2b-client', snaplen: 128, filter })
      assert.deepEqual(argv.slice(0, 3), ['sh', '-c', GATE])
      assert.equal(argv.at(-1), filter)
      assert.equal(argv.at(-2), '--')
      assert.equal(argv.filter((a) => a === filter).length, filter === '--' ? 2 : 1)
    })
  )
  assert.equal(tcpdumpArgv({ namespace: 'n', snaplen: 64 }).at(-1), '--')
})

test('the gate execs its arguments verbatim once it reads the go line, and nothing without it', () => {
  const evil = '$(touch /nonexistent/x); `id` "; exit 7'
  const gated = (input: string) =>
    spawnSync('sh', ['-c', GATE, 'ordeal-capture', 'printf', '%s', evil], { input })
  const went = gated('go\n')
  assert.equal(went.status, 0)
  assert.equal(went.stdout.toString(), evil)
  const closed = gated('')
  assert.equal(closed.status, 0)
  assert.equal(closed.stdout.toString(), '')
})

test('tcpdump is listening once it says so on stderr', () => {
  assert.equal(isListening('tcpdump: data link type LINUX_SLL2\n'), false)
  assert.equal(
    isListening('tcpdump: listening on any, link-type LINUX_SLL2 (Linux cooked v2), snapshot'),
    true
  )
})
