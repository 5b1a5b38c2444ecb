import { test } from 'node:test'
import assert from 'node:assert/strict'
import { faultPreloadIssues } from './preload-semantics.js'

const services = [{ name: 'plain' }, { name: 'leases', preload: ['libfaketime'] }]
const at = ['spec', 'steps', 0]

test('a fault that needs no preload is not checked', () => {
  assert.deepEqual(
    faultPreloadIssues({ type: 'process-pause', target: { service: 'plain' } }, services, at),
    []
  )
})

test('clock-skew on a service with the preload is fine', () => {
  assert.deepEqual(
    faultPreloadIssues({ type: 'clock-skew', target: { service: 'leases' } }, services, at),
    []
  )
})

test('clock-skew on a service without it names the service entry to fix', () => {
  assert.deepEqual(
    faultPreloadIssues({ type: 'clock-skew', target: { service: 'plain' } }, services, at),
    [
      {
        path: ['spec', 'steps', 0, 'fault', 'target', 'service'],
        message:
          "clock-skew needs service 'plain' launched under libfaketime: add 'preload: [libfaketime]' to spec.system.services[0]",
      },
    ]
  )
})

test('clock-skew on an attached process: it cannot be given a preload', () => {
  const [issue] = faultPreloadIssues(
    { type: 'clock-skew', target: { attach: 'legacy' } },
    services,
    at
  )
  assert.deepEqual(issue?.path, ['spec', 'steps', 0, 'fault', 'target', 'attach'])
  assert.match(issue?.message ?? '', /an attached process cannot be given a preload/)
})

test('an unknown service is left to the reference check', () => {
  assert.deepEqual(
    faultPreloadIssues({ type: 'clock-skew', target: { service: 'nope' } }, services, at),
    []
  )
})

test('syscall-error on a service without libfiu names the service entry to fix', () => {
  assert.deepEqual(
    faultPreloadIssues({ type: 'syscall-error', target: { service: 'leases' } }, services, at),
    [
      {
        path: ['spec', 'steps', 0, 'fault', 'target', 'service'],
        message:
          "syscall-error needs service 'leases' launched under libfiu: add 'preload: [libfiu]' to spec.system.services[1]",
      },
    ]
  )
})

test('syscall-error on an attached process is left to the run-time check (fiu-run by hand)', () => {
  assert.deepEqual(
    faultPreloadIssues({ type: 'syscall-error', target: { attach: 'legacy' } }, services, at),
    []
  )
})
