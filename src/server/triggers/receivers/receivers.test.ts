/**
 * Each hook kind on the real senders' payload shapes (test/support/hook-fixtures.ts): good,
 * bad signature or secret, stale, bad payload, and the fields conditions read.
 */
import { createHmac } from 'node:crypto'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  argocdDeployed,
  fluxEvent,
  genericDelivery,
  githubDeploymentStatus,
  githubPing,
  githubSigned,
  type Delivery,
} from '../../../../test/support/hook-fixtures.js'
import { RECEIVERS } from './index.js'
import type { HookKind } from '../../../shared/continuous.js'
import type { Reception } from './reception.js'

const SECRET = 'ohs_test-secret'
const NOW = Date.parse('2026-12-07T12:00:00Z')
const iso = (ms: number) => new Date(ms).toISOString()

function receive(kind: HookKind, d: Delivery, options: { secret?: string; now?: number } = {}) {
  return RECEIVERS[kind]({
    hookName: 'deploys',
    secret: options.secret ?? SECRET,
    headers: d.headers,
    body: Buffer.from(d.body),
    now: options.now ?? NOW,
  })
}

function event(r: Reception) {
  assert.equal(r.outcome, 'event', JSON.stringify(r))
  return (r as Extract<Reception, { outcome: 'event' }>).event
}

function rejection(r: Reception) {
  assert.equal(r.outcome, 'rejected', JSON.stringify(r))
  const { status, reason } = r as Extract<Reception, { outcome: 'rejected' }>
  return `${status} ${reason}`
}

test('generic: a signed JSON object is an event with its fields', () => {
  const d = genericDelivery(
    SECRET,
    { app: 'orders', revision: 'abc1234', replicas: 3 },
    { at: NOW, id: 'd-1' }
  )
  const r = receive('generic', d)
  const e = event(r)
  assert.equal(r.deliveryId, 'd-1')
  assert.equal(e.source, 'webhook')
  assert.equal(e.hook, 'deploys')
  assert.equal(e.app, 'orders')
  assert.equal(e.fields['replicas'], 3)
  assert.deepEqual(e.fields['payload'], { app: 'orders', revision: 'abc1234', replicas: 3 })
  assert.equal(e.summary, 'webhook deploys: orders at abc1234')
})

test('generic: a wrong secret, a changed body or a re-dated timestamp is 401', () => {
  const d = genericDelivery(SECRET, { app: 'orders' }, { at: NOW, id: 'd-1' })
  assert.equal(
    rejection(receive('generic', d, { secret: 'other' })),
    '401 X-Ordeal-Signature-256 does not match the body and timestamp'
  )
  assert.match(
    rejection(receive('generic', { ...d, body: d.body.replace('orders', 'billing') })),
    /^401 /
  )
  const redated = { ...d, headers: { ...d.headers, 'x-ordeal-timestamp': String(NOW / 1000 + 1) } }
  assert.match(rejection(receive('generic', redated)), /^401 /)
  const { ['x-ordeal-signature-256']: _gone, ...unsigned } = d.headers
  assert.equal(
    rejection(receive('generic', { ...d, headers: unsigned })),
    '401 missing X-Ordeal-Signature-256'
  )
})

test('generic: stale beyond 5 minutes either way, a missing delivery id, a body that is no object: 400', () => {
  const old = genericDelivery(SECRET, { app: 'orders' }, { at: NOW - 6 * 60_000, id: 'd-2' })
  assert.equal(rejection(receive('generic', old)), '400 stale: sent 6 min ago, more than 5 min')
  const future = genericDelivery(SECRET, { app: 'orders' }, { at: NOW + 10 * 60_000, id: 'd-3' })
  assert.equal(
    rejection(receive('generic', future)),
    '400 stale: dated 10 min in the future, more than 5 min'
  )
  const ok = genericDelivery(SECRET, { app: 'orders' }, { at: NOW - 4 * 60_000, id: 'd-4' })
  event(receive('generic', ok))
  const longId = genericDelivery(SECRET, { app: 'orders' }, { at: NOW, id: 'x'.repeat(201) })
  assert.match(rejection(receive('generic', longId)), /^400 X-Ordeal-Delivery must be printable/)
  const array = genericDelivery(SECRET, [] as unknown as Record<string, unknown>, {
    at: NOW,
    id: 'd-5',
  })
  assert.equal(rejection(receive('generic', array)), '400 body: must be a JSON object')
  const noTimestamp = { ...ok, headers: { ...ok.headers, 'x-ordeal-timestamp': 'yesterday' } }
  assert.equal(
    rejection(receive('generic', noTimestamp)),
    '400 X-Ordeal-Timestamp must be unix seconds'
  )
})

test('github: deployment_status is an event: environment, sha, state, repository', () => {
  const d = githubDeploymentStatus(SECRET, { at: iso(NOW - 1000), id: 'guid-1' })
  const r = receive('github', d)
  const e = event(r)
  assert.equal(r.deliveryId, 'guid-1')
  assert.equal(e.source, 'github')
  assert.equal(e.app, 'production')
  assert.equal(e.fields['revision'], '4544205a385319fd846d5df4ed2e3b8173529d78')
  assert.equal(e.fields['status'], 'success')
  assert.equal(e.fields['ref'], 'master')
  assert.equal(e.fields['repository'], 'Codertocat/Hello-World')
  assert.equal(e.summary, 'github: Codertocat/Hello-World 4544205 to production: success')
})

test('generic: the replay key is the hash of the signed string, not the unsigned delivery id', () => {
  const d = genericDelivery(SECRET, { app: 'orders' }, { at: NOW, id: 'd-1' })
  const first = receive('generic', d)
  // The same signed bytes under another X-Ordeal-Delivery (or none): the same key, a replay.
  const renamed = receive('generic', {
    ...d,
    headers: { ...d.headers, 'x-ordeal-delivery': 'd-2' },
  })
  const { ['x-ordeal-delivery']: _gone, ...unnamed } = d.headers
  const anonymous = receive('generic', { ...d, headers: unnamed })
  event(first)
  event(renamed)
  event(anonymous)
  const key = (r: Reception) => (r as Extract<Reception, { outcome: 'event' }>).replayKey
  assert.match(key(first), /^[0-9a-f]{64}$/)
  assert.equal(key(renamed), key(first))
  assert.equal(key(anonymous), key(first))
  assert.equal(anonymous.deliveryId, key(first).slice(0, 16))
  // Another timestamp or body is another delivery.
  const later = genericDelivery(SECRET, { app: 'orders' }, { at: NOW + 1000, id: 'd-1' })
  assert.notEqual(key(receive('generic', later)), key(first))
})

test('github: the replay key is the hash of the signed body; a status with no time is stale', () => {
  const d = githubDeploymentStatus(SECRET, { at: iso(NOW), id: 'guid-1' })
  const first = receive('github', d)
  const renamed = receive('github', {
    ...d,
    headers: { ...d.headers, 'x-github-delivery': 'guid-other' },
  })
  const key = (r: Reception) => (r as Extract<Reception, { outcome: 'event' }>).replayKey
  event(first)
  event(renamed)
  assert.equal(key(renamed), key(first))
  const body = JSON.parse(d.body) as { deployment_status: Record<string, unknown> }
  delete body.deployment_status['created_at']
  delete body.deployment_status['updated_at']
  const timeless = githubSigned(SECRET, 'deployment_status', JSON.stringify(body), 'guid-9')
  assert.equal(
    rejection(receive('github', timeless)),
    '400 stale: deployment_status has no updated_at or created_at'
  )
})

test('a rejected delivery keeps its claimed id only when it is a sane label', () => {
  const d = genericDelivery(SECRET, { app: 'orders' }, { at: NOW, id: 'x'.repeat(10_000) })
  const r = receive('generic', d, { secret: 'wrong' })
  assert.equal(r.outcome, 'rejected')
  assert.equal(r.deliveryId, '')
})

test('github: ping and other events are ignored; bad signature 401; a week-old status is stale', () => {
  const ping = receive('github', githubPing(SECRET, 'guid-2'))
  assert.equal(ping.outcome, 'ignored')
  assert.equal((ping as { reason: string }).reason, 'ping')
  assert.equal(ping.deliveryId, 'guid-2')
  const push = receive(
    'github',
    githubSigned(SECRET, 'push', '{"ref":"refs/heads/main"}', 'guid-3')
  )
  assert.equal(push.outcome, 'ignored')
  assert.equal(
    (push as { reason: string }).reason,
    'event push: only deployment_status fires triggers'
  )
  const d = githubDeploymentStatus(SECRET, { at: iso(NOW), id: 'guid-4' })
  assert.equal(
    rejection(receive('github', d, { secret: 'wrong' })),
    '401 X-Hub-Signature-256 does not match the body'
  )
  const old = githubDeploymentStatus(SECRET, { at: iso(NOW - 7 * 24 * 3_600_000), id: 'guid-5' })
  assert.match(rejection(receive('github', old)), /^400 stale: sent 10080 min ago/)
})

test('flux: a generic-hmac Event: app kind/name lowercased, revision from metadata, reason as status', () => {
  const d = fluxEvent(SECRET, { at: iso(NOW - 2000) })
  const r = receive('flux', d)
  const e = event(r)
  assert.match(r.deliveryId, /^[0-9a-f]{64}$/)
  assert.equal(e.source, 'flux')
  assert.equal(e.app, 'kustomization/webapp')
  assert.equal(e.fields['namespace'], 'apps')
  assert.equal(e.fields['revision'], 'main@sha1:731f7eaddfb6af01cb2173e18f0f75b0ba780ef1')
  assert.equal(e.fields['status'], 'ReconciliationSucceeded')
  assert.equal(e.fields['severity'], 'info')
  assert.equal(
    e.summary,
    'flux: kustomization/webapp in apps: ReconciliationSucceeded at main@sha1:731f7eaddfb6af01cb2173e18f0f75b0ba780ef1'
  )
  // The same body is the same delivery (a replay), another body another one.
  assert.equal(receive('flux', d).deliveryId, r.deliveryId)
  assert.notEqual(receive('flux', fluxEvent(SECRET, { at: iso(NOW) })).deliveryId, r.deliveryId)
})

test('flux: unsigned 401, stale 400, not an Event 400', () => {
  const d = fluxEvent(SECRET, { at: iso(NOW) })
  const { ['x-signature']: _gone, ...unsigned } = d.headers
  assert.equal(
    rejection(receive('flux', { ...d, headers: unsigned })),
    '401 missing X-Signature (use a Provider of type generic-hmac)'
  )
  assert.match(
    rejection(receive('flux', fluxEvent(SECRET, { at: iso(NOW - 3_600_000) }))),
    /^400 stale/
  )
  const body = '{"hello":1}'
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`
  assert.equal(
    rejection(receive('flux', { body, headers: { 'x-signature': signature } })),
    '400 body.involvedObject: needs kind and name (a Flux Event)'
  )
})

test('argocd: the documented template, and the whole Application; the bearer secret in constant time', () => {
  const d = argocdDeployed(SECRET, { at: iso(NOW - 5000) })
  const e = event(receive('argocd', d))
  assert.equal(e.source, 'argocd')
  assert.equal(e.app, 'orders')
  assert.equal(e.fields['healthStatus'], 'Healthy')
  assert.equal(e.fields['status'], 'Succeeded')
  assert.equal(e.summary, 'argocd: app orders Succeeded at 1a2b3c4 (Healthy)')
  // `{"app": {{toJson .app}}}`: an Application resource (argo-cd docs, Application status).
  const whole = {
    app: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'guestbook', namespace: 'argocd' },
      spec: { destination: { namespace: 'guestbook', server: 'https://kubernetes.default.svc' } },
      status: {
        sync: { status: 'Synced', revision: 'aaaaaaa' },
        health: { status: 'Healthy' },
        operationState: {
          phase: 'Succeeded',
          finishedAt: iso(NOW - 1000),
          syncResult: { revision: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' },
        },
      },
    },
  }
  const w = event(receive('argocd', { headers: d.headers, body: JSON.stringify(whole) }))
  assert.equal(w.app, 'guestbook')
  assert.equal(w.fields['namespace'], 'guestbook')
  assert.equal(w.fields['revision'], 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb')
  assert.equal(
    rejection(receive('argocd', { ...d, headers: { authorization: 'Bearer nope' } })),
    '401 the Authorization header does not carry the hook secret'
  )
  assert.equal(
    rejection(receive('argocd', { ...d, headers: {} })),
    '401 missing Authorization: Bearer <the hook secret>'
  )
  assert.equal(
    rejection(receive('argocd', { ...d, body: '{"revision":"x"}' })),
    "400 body.app: missing (the Argo CD application's name)"
  )
  // An X-Ordeal-Delivery header names the delivery; otherwise the body's hash does.
  const named = receive('argocd', {
    ...d,
    headers: { ...d.headers, 'x-ordeal-delivery': 'sync-42' },
  })
  assert.equal(named.deliveryId, 'sync-42')
})

test('property: no signature but the right one passes any kind', () => {
  const kinds = ['generic', 'github', 'flux'] as const
  fc.assert(
    fc.property(fc.constantFrom(...kinds), fc.stringMatching(/^[0-9a-f]{64}$/), (kind, hex) => {
      const d =
        kind === 'generic'
          ? genericDelivery(SECRET, { app: 'x' }, { at: NOW, id: 'p-1' })
          : kind === 'github'
            ? githubDeploymentStatus(SECRET, { at: iso(NOW), id: 'p-1' })
            : fluxEvent(SECRET, { at: iso(NOW) })
      const name = {
        generic: 'x-ordeal-signature-256',
        github: 'x-hub-signature-256',
        flux: 'x-signature',
      }[kind]
      if (d.headers[name] === `sha256=${hex}`) {
        return
      }
      const forged = { ...d, headers: { ...d.headers, [name]: `sha256=${hex}` } }
      assert.equal(receive(kind, forged).outcome, 'rejected')
    })
  )
})
