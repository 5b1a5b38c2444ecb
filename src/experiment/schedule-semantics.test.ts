import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadExperimentText } from './load.js'
import { ManifestError } from './errors.js'

const manifest = (schedules: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: scheduled
spec:
  hypothesis: It holds.
  steps:
    - name: nap
      wait: 100ms
  schedules:
${schedules}`

function problems(schedules: string): string[] {
  try {
    loadExperimentText(manifest(schedules), 'experiment.yaml', { env: {} })
    return []
  } catch (error) {
    assert.ok(error instanceof ManifestError, String(error))
    return error.issues.map((i) => `${i.line}: ${i.path}: ${i.message}`)
  }
}

test('a good schedule loads', () => {
  assert.deepEqual(
    problems(`    - name: nightly
      cron: '30 2 * * *'
      timeZone: Europe/Berlin
      jitter: 5m
      exclude:
        - { days: [Mon, Tue, Wed, Thu, Fri], from: '09:00', to: '10:00', reason: standup }
        - { start: '2026-12-20T00:00:00Z', end: '2027-01-04T00:00:00Z', reason: change freeze }
    - name: seconds
      cron: '*/10 * * * * *'
`),
    []
  )
})

test('a cron expression or time zone croner refuses is named with its line', () => {
  assert.deepEqual(
    problems(`    - name: bad
      cron: '61 * * * *'
    - name: zone
      cron: '0 3 * * *'
      timeZone: Europe/Atlantis
    - name: seven
      cron: '* * * * * * *'
`),
    [
      '12: spec.schedules[0].cron: not a cron expression croner accepts: Invalid value for minute: 61',
      "15: spec.schedules[1].timeZone: unknown time zone 'Europe/Atlantis': use an IANA name like Europe/Berlin",
      "17: spec.schedules[2].cron: not a cron expression croner accepts: mode '5-or-6-parts' requires exactly 5 or 6 parts, but pattern '* * * * * * *' has 7 parts.",
    ]
  )
})

test('empty windows are refused', () => {
  assert.deepEqual(
    problems(`    - name: w
      cron: '0 3 * * *'
      exclude:
        - { from: '09:00', to: '09:00' }
        - { start: '2027-01-04T00:00:00Z', end: '2026-12-20T00:00:00Z' }
`),
    [
      '14: spec.schedules[0].exclude[0].to: must differ from `from` (an empty window; before `from` spans midnight)',
      '15: spec.schedules[0].exclude[1].end: must be after `start`',
    ]
  )
})

test('a jitter as long as the shortest interval between ticks is refused, naming the field', () => {
  assert.deepEqual(
    problems(`    - name: minutely
      cron: '* * * * *'
      jitter: 5m
    - name: twice
      cron: '0 9,17 * * *'
      jitter: 8h
    - name: fine
      cron: '0 9,17 * * *'
      jitter: 7h
`),
    [
      "13: spec.schedules[0].jitter: must be shorter than the shortest interval between two ticks of '* * * * *' (1m)",
      "16: spec.schedules[1].jitter: must be shorter than the shortest interval between two ticks of '0 9,17 * * *' (480m)",
    ]
  )
})
