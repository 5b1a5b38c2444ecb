import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { FIU_POSIX_PRELOAD } from '../../platforms/local/preload/libfiu.js'
import { enableCommand } from '../../platforms/local/preload/fiu-control.js'
import { ERRNOS, ERRNO_NAMES } from './errnos.js'
import {
  FIU_FAMILIES,
  FIU_POINTS,
  isKnownCall,
  matchingPoints,
  unknownCallMessage,
} from './points.js'
import { syscallErrorSchema } from './schema.js'

const base = { type: 'syscall-error', target: { service: 'app' }, duration: '5s' } as const

function firstError(input: object): string | undefined {
  const result = syscallErrorSchema.safeParse({ ...base, ...input })
  return result.success ? undefined : result.error.issues[0]?.message
}

describe('syscall-error failure points', () => {
  test('are exactly the ones the installed fiu_posix_preload.so defines', (t) => {
    if (!existsSync(FIU_POSIX_PRELOAD)) {
      t.skip('libfiu0 is not installed')
      return
    }
    // The names are NUL-terminated strings in the library's read-only data.
    const text = readFileSync(FIU_POSIX_PRELOAD, 'latin1')
    const inLibrary = new Set(text.match(/(?<=\0)(posix|libc|linux)\/[a-z0-9_/]+(?=\0)/g))
    assert.deepEqual([...inLibrary].sort(), [...FIU_POINTS].sort())
  })

  test('every point, and every family above it, is a known call', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIU_POINTS), (point) => {
        assert.deepEqual(matchingPoints(point), [point])
        const parts = point.split('/')
        for (let i = 1; i < parts.length; i++) {
          const family = `${parts.slice(0, i).join('/')}/*`
          assert.ok(FIU_FAMILIES.includes(family), family)
          assert.ok(matchingPoints(family).includes(point), family)
        }
      })
    )
  })

  test('a name that is neither a point nor a family is refused', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const known =
          (FIU_POINTS as readonly string[]).includes(name) || FIU_FAMILIES.includes(name)
        assert.equal(isKnownCall(name), known)
      })
    )
    assert.equal(isKnownCall('*'), false)
    assert.equal(isKnownCall('posix/io/rw/wr*'), false)
  })

  test('the network family holds the socket calls', () => {
    const net = matchingPoints('posix/io/net/*')
    for (const call of ['socket', 'connect', 'send', 'recv', 'accept']) {
      assert.ok(net.includes(`posix/io/net/${call}`), call)
    }
  })

  test('a misspelt call gets the nearest name, a call under the wrong family its own', () => {
    assert.match(unknownCallMessage('posix/io/rw/wrte'), /did you mean 'posix\/io\/rw\/write'/)
    assert.match(unknownCallMessage('posix/mm/malloc'), /did you mean 'libc\/mm\/malloc'/)
    assert.match(unknownCallMessage('posix/io/nett/*'), /did you mean 'posix\/io\/net\/\*'/)
  })
})

describe('syscall-error errno names', () => {
  test("have this machine's numbers", () => {
    for (const name of ERRNO_NAMES) {
      assert.equal(ERRNOS[name], os.constants.errno[name], name)
    }
  })

  test('go to libfiu as the failinfo number', () => {
    assert.equal(
      enableCommand('posix/io/rw/write', 0.5, ERRNOS.EIO),
      'enable_random name=posix/io/rw/write,probability=0.5,failinfo=5'
    )
    assert.equal(enableCommand('posix/io/sync/fsync', 1), 'enable name=posix/io/sync/fsync')
  })
})

describe('syscall-error schema', () => {
  test('accepts calls, families, an errno and a probability; probability defaults to 1', () => {
    const parsed = syscallErrorSchema.parse({
      ...base,
      calls: ['posix/io/rw/write', 'posix/io/net/*'],
      errno: 'ENOSPC',
    })
    assert.equal(parsed.probability, 1)
  })

  test('names the bad call, errno or probability', () => {
    assert.match(
      firstError({ calls: ['posix/io/rw/wrte'] }) ?? '',
      /unknown call 'posix\/io\/rw\/wrte' \(did you mean 'posix\/io\/rw\/write'\?\)/
    )
    assert.match(
      firstError({ calls: ['posix/io/rw/write'], errno: 'EFOO' }) ?? '',
      /unknown errno 'EFOO'/
    )
    assert.match(
      firstError({ calls: ['posix/io/rw/write'], errno: 'ENOSPCE' }) ?? '',
      /did you mean 'ENOSPC'/
    )
    for (const probability of [-1, 0, 1.5]) {
      assert.equal(
        firstError({ calls: ['posix/io/rw/write'], probability }),
        'must be more than 0 and at most 1',
        String(probability)
      )
    }
    assert.equal(firstError({ calls: [] }), 'needs at least one call')
  })
})
