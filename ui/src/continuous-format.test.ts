/**
 * Continuous chaos as the pages word it, without a browser: run causes, git origins, ticks,
 * relative times, windows, conditions and sync lines.
 * @module
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { GitSyncInfo } from '../../src/shared/continuous.js'
import {
  canEdit,
  causeLine,
  clockTime,
  conditionsText,
  debounceText,
  excludedText,
  manifestErrorText,
  originLine,
  placementText,
  relativeTime,
  shortWhen,
  shortCommit,
  syncLine,
  tickOutcomeText,
} from './continuous-format.js'
import { formatTime } from './format.js'

/** An ISO time at this local wall-clock time today (the pages show local time). */
function localIso(h: number, m: number, s = 0): string {
  const d = new Date()
  d.setHours(h, m, s, 0)
  return d.toISOString()
}

test('the cause of a run says what started it', () => {
  assert.equal(
    causeLine({ kind: 'schedule', schedule: 'nightly', dueAt: localIso(3, 0) }),
    'started by schedule nightly (due 03:00)'
  )
  assert.equal(
    causeLine({
      kind: 'trigger',
      trigger: 'deploy',
      source: 'argo',
      events: 3,
      summary: 'argocd: app orders synced to 1a2b3c4',
    }),
    'started by trigger deploy via argo (3 events: argocd: app orders synced to 1a2b3c4)'
  )
  assert.match(
    causeLine({ kind: 'trigger', trigger: 't', source: 'kubernetes', events: 1, summary: 's' }),
    /\(1 event: s\)$/
  )
  assert.equal(causeLine({ kind: 'gate', gate: 'orders' }), 'started by gate orders')
})

test('clock times drop zero seconds and keep the others', () => {
  assert.equal(clockTime(localIso(3, 0)), '03:00')
  assert.equal(clockTime(localIso(23, 59, 30)), '23:59:30')
  assert.equal(clockTime('nope'), '—')
})

test('later ticks: the time alone today, with the date on another day', () => {
  const now = new Date()
  now.setHours(1, 0, 0, 0)
  const today = new Date(now)
  today.setHours(3, 0, 0, 0)
  const tomorrow = new Date(today.getTime() + 86_400_000 + 3_600_000)
  const mm = String(tomorrow.getMonth() + 1).padStart(2, '0')
  const dd = String(tomorrow.getDate()).padStart(2, '0')
  const hh = String(tomorrow.getHours()).padStart(2, '0')
  assert.equal(shortWhen(today.toISOString(), now.getTime()), '03:00')
  assert.equal(shortWhen(tomorrow.toISOString(), now.getTime()), `${mm}-${dd} ${hh}:00`)
  assert.equal(shortWhen('nope', now.getTime()), '—')
})

test('git origins: short commit, path and source in the banner', () => {
  const commit = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d'
  assert.equal(shortCommit(commit), '1a2b3c4')
  assert.equal(
    originLine({ source: 'platform', path: 'chaos/orders.yaml', commit }),
    'Managed by git source platform — chaos/orders.yaml @ 1a2b3c4'
  )
})

test('relative times: one or two units, future and past', () => {
  const now = Date.parse('2026-12-07T12:00:00Z')
  const at = (ms: number) => new Date(now + ms).toISOString()
  assert.equal(relativeTime(at(0), now), 'now')
  assert.equal(relativeTime(at(12_000), now), 'in 12 s')
  assert.equal(relativeTime(at(-12_000), now), '12 s ago')
  assert.equal(relativeTime(at(4 * 60_000 + 10_000), now), 'in 4 min')
  assert.equal(relativeTime(at(2 * 3_600_000 + 5 * 60_000), now), 'in 2 h 5 min')
  assert.equal(relativeTime(at(3_600_000), now), 'in 1 h')
  assert.equal(relativeTime(at(-(3 * 86_400_000 + 3_600_000)), now), '3 d 1 h ago')
  assert.equal(relativeTime('nope', now), '—')
  fc.assert(
    fc.property(fc.integer({ min: -1e10, max: 1e10 }), (ms) => {
      const text = relativeTime(at(ms), now)
      // Never both directions, and the direction follows the sign (rounded to the second).
      if (Math.round(Math.abs(ms) / 1000) === 0) {
        assert.equal(text, 'now')
      } else {
        assert.equal(text.startsWith('in '), ms > 0, text)
        assert.equal(text.endsWith(' ago'), ms < 0, text)
      }
      assert.doesNotMatch(text, /NaN|undefined|-/)
    })
  )
})

test('ticks: the outcome with its reason', () => {
  assert.equal(tickOutcomeText({ outcome: 'ran' }), 'ran')
  assert.equal(tickOutcomeText({ outcome: 'pending' }), 'starting')
  assert.equal(
    tickOutcomeText({ outcome: 'skipped', reason: 'Forbid: run R is still running' }),
    'skipped: Forbid: run R is still running'
  )
  assert.equal(tickOutcomeText({ outcome: 'failed', reason: 'agent busy' }), 'failed: agent busy')
})

test('excluded windows: days and hours, or a one-off span', () => {
  assert.equal(
    excludedText({ days: ['Mon', 'Fri'], from: '09:00', to: '10:00', reason: 'standup' }),
    'Mon, Fri 09:00–10:00 (standup)'
  )
  assert.equal(excludedText({ from: '22:00', to: '06:00' }), 'every day 22:00–06:00')
  const start = '2026-12-20T00:00:00Z'
  const end = '2027-01-04T00:00:00Z'
  assert.equal(
    excludedText({ start, end, reason: 'change freeze' }),
    `${formatTime(start)} → ${formatTime(end)} (change freeze)`
  )
})

test('placement, conditions, debounce and roles', () => {
  assert.equal(placementText(undefined), 'this server')
  assert.equal(placementText({ agent: 'edge-1' }), 'agent edge-1')
  assert.equal(placementText({ labels: { zone: 'eu', os: 'linux' } }), 'labels os=linux, zone=eu')
  assert.equal(conditionsText([], 'and'), 'every event')
  assert.equal(
    conditionsText(
      [
        { key: 'app', operator: 'EqualTo', value: 'orders' },
        { key: 'revision', operator: 'Change' },
      ],
      'or'
    ),
    'app EqualTo orders or revision Change'
  )
  assert.equal(debounceText(30_000), '30 s')
  assert.equal(debounceText(0), 'none')
  assert.equal(canEdit('viewer'), false)
  assert.equal(canEdit('editor'), true)
  assert.equal(canEdit('owner'), true)
  assert.equal(canEdit(undefined), false)
})

test('git syncs and invalid manifests in one line each', () => {
  const base: GitSyncInfo = {
    at: '2026-12-07T12:00:00Z',
    ok: true,
    commit: 'abcdef0123456789',
    created: 2,
    updated: 1,
    deleted: 0,
    unchanged: 5,
    invalid: [],
    durationMs: 120,
  }
  assert.equal(syncLine(base), 'ok @ abcdef0: 2 created, 1 updated, 0 deleted, 5 unchanged')
  assert.equal(
    syncLine({ ...base, invalid: [{ path: 'a.yaml', message: 'x' }] }),
    'ok @ abcdef0: 2 created, 1 updated, 0 deleted, 5 unchanged, 1 invalid'
  )
  assert.equal(
    syncLine({ ...base, ok: false, error: "couldn't find remote ref main" }),
    "error: couldn't find remote ref main"
  )
  assert.equal(
    manifestErrorText({ path: 'chaos/bad.yaml', line: 12, message: 'spec.steps: required' }),
    'chaos/bad.yaml:12: spec.steps: required'
  )
  assert.equal(manifestErrorText({ path: 'x.yaml', message: 'not YAML' }), 'x.yaml: not YAML')
})
