import { test } from 'node:test'
import assert from 'node:assert/strict'
import { preloadControlDir, preloadEnv, preloadsOf } from './launch.js'
import { preloadPreflight } from './preflight.js'
import { LIBFAKETIME_SO } from './libfaketime.js'
import type { ServiceSpec } from '../../../experiment/model.js'

const at = { service: 'api', replica: 1, controlDir: '/run/x/preload/api-1' }

test('no preload, no variables', () => {
  assert.deepEqual(preloadEnv({}, at, { LD_PRELOAD: '/mine.so' }), {})
  assert.deepEqual(preloadEnv({ preload: [] }, at, {}), {})
})

test("libfaketime: its library first, then the service's own LD_PRELOAD, and its control file", () => {
  const env = preloadEnv({ preload: ['libfaketime'] }, at, { LD_PRELOAD: '/a.so /b.so' })
  assert.equal(env['LD_PRELOAD'], `${LIBFAKETIME_SO}:/a.so:/b.so`)
  assert.equal(env['FAKETIME_TIMESTAMP_FILE'], '/run/x/preload/api-1/faketime.rc')
  assert.equal(env['DONT_FAKE_MONOTONIC'], '1')
  assert.equal(env['FAKETIME_CACHE_DURATION'], '1')
})

test('drivers come in PRELOAD_NAMES order whatever order the service lists them', () => {
  assert.deepEqual(
    preloadsOf({ preload: ['libfaketime', 'libfiu'] }).map((d) => d.name),
    ['libfiu', 'libfaketime']
  )
})

test('control dirs are per run and per replica', () => {
  assert.equal(preloadControlDir('/s/runs/r1', 'db', 2), '/s/runs/r1/preload/db-2')
})

test('the preflight names the service, the preload and the Debian package, in one line', () => {
  const services = [
    { name: 'plain' },
    { name: 'leases', preload: ['libfaketime'] },
  ] as unknown as ServiceSpec[]
  assert.equal(
    preloadPreflight(services, () => true),
    undefined
  )
  const message = preloadPreflight(services, (file) => file !== LIBFAKETIME_SO)
  assert.ok(message)
  assert.doesNotMatch(message, /\n/)
  assert.match(message, /^service leases: preload libfaketime needs .*libfaketime\.so\.1/)
  assert.match(message, /Debian package libfaketime/)
})
