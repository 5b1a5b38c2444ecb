import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { DISK_OPERATIONS, operationsArg } from '../../disk/operations.js'
import { diskFaultSchema } from './schema.js'
import { describeDiskFault, powerLossText } from './describe.js'

const base = { type: 'disk-fault', path: '{{services.db.dataDir}}', duration: '5s' } as const

function firstError(input: object): string | undefined {
  const result = diskFaultSchema.safeParse({ ...base, ...input })
  return result.success ? undefined : result.error.issues[0]?.message
}

describe('disk-fault schema', () => {
  test('accepts latency, errors and a power loss, alone or together', () => {
    for (const extra of [
      { latency: '20ms' },
      { errno: 'EIO', probability: 0.5, operations: ['write', 'fsync'] },
      { powerLoss: { target: { service: 'db' } } },
      { latency: '1s', errno: 'ENOSPC', powerLoss: { target: { service: 'db', mode: 'all' } } },
    ]) {
      assert.equal(firstError(extra), undefined, JSON.stringify(extra))
    }
  })

  test('names what is wrong, with a did-you-mean', () => {
    assert.equal(firstError({}), "needs at least one of 'latency', 'errno' or 'powerLoss'")
    assert.match(firstError({ errno: 'EFOO' }) ?? '', /unknown errno 'EFOO'/)
    assert.match(firstError({ errno: 'ENOSPCE' }) ?? '', /did you mean 'ENOSPC'/)
    assert.match(
      firstError({ latency: '5ms', operations: ['wrte'] }) ?? '',
      /unknown operation 'wrte' \(did you mean 'write'\?\)/
    )
    for (const probability of [-0.5, 0, 1.01]) {
      assert.equal(
        firstError({ errno: 'EIO', probability }),
        'must be more than 0 and at most 1',
        String(probability)
      )
    }
    assert.equal(
      firstError({ probability: 0.5, latency: '1ms' }),
      "is the chance of 'errno': set errno too"
    )
    assert.equal(firstError({ latency: '0s' }), 'must be more than 0s and at most 10s')
    assert.equal(firstError({ latency: '11s' }), 'must be more than 0s and at most 10s')
    assert.match(firstError({ latency: '1ms', pth: 'x' }) ?? '', /unknown field 'pth'/)
  })

  test('operations go to the helper as a comma list, or all', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...DISK_OPERATIONS), { minLength: 1 }), (ops) => {
        assert.deepEqual(operationsArg(ops).split(','), ops)
      })
    )
    assert.equal(operationsArg(undefined), 'all')
  })

  test('describe names the path, also for a power loss of another service', () => {
    const params = diskFaultSchema.parse({
      ...base,
      latency: '20ms',
      errno: 'EIO',
      probability: 0.1,
      powerLoss: { target: { service: 'api' } },
    })
    const lines = describeDiskFault(params, '/srv/db')
    assert.match(lines[0]!, /^power loss on \/srv\/db: SIGKILL 1 of the replicas of/)
    assert.equal(lines[1], 'delay every operation on /srv/db by 20ms, until 5s')
    assert.equal(lines[2], 'fail every operation on /srv/db with EIO at p=0.1, until 5s')
  })

  test('the power loss journal line', () => {
    assert.equal(
      powerLossText({ files: 3, bytes: 12288, entries: 2 }),
      'power loss: 3 files, 12.0 KiB, 2 entries dropped'
    )
    assert.equal(
      powerLossText({ files: 1, bytes: 0, entries: 1 }),
      'power loss: 1 file, 0 B, 1 entry dropped'
    )
  })
})
