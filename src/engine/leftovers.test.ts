import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseWorkerArgv } from './leftovers.js'

test('a stress worker is recognised by the marker and the arguments after it', () => {
  const worker = [
    'node',
    '/x/dist/faults/stress/worker.js',
    'ordeal-stress',
    'cpu',
    '1700000000000',
    '42',
    '50',
  ]
  assert.deepEqual(parseWorkerArgv(worker), {
    mode: 'cpu',
    deadline: 1_700_000_000_000,
    parentPid: 42,
  })
  assert.deepEqual(
    parseWorkerArgv([
      'node',
      '--import',
      'tsx',
      'w.ts',
      'ordeal-stress',
      'memory',
      '1',
      '2',
      '1048576',
      '',
    ]),
    { mode: 'memory', deadline: 1, parentPid: 2 }
  )
})

test('the marker alone is not a worker (grep ordeal-stress, an editor, a path)', () => {
  assert.equal(parseWorkerArgv(['grep', 'ordeal-stress']), undefined)
  assert.equal(parseWorkerArgv(['grep', 'ordeal-stress', 'cpu', 'notes.txt']), undefined)
  assert.equal(parseWorkerArgv(['vim', 'ordeal-stress', 'cpu', '1', '2']), undefined)
  assert.equal(parseWorkerArgv(['node', 'ordeal-stress', 'disk', '1', '2', '3']), undefined)
  assert.equal(parseWorkerArgv(['cat', '/tmp/ordeal-stress/cpu']), undefined)
  assert.equal(parseWorkerArgv(undefined), undefined)
  assert.equal(parseWorkerArgv([]), undefined)
})
