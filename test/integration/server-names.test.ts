/**
 * One rule for every name and id on every route (issue 12 §5): names with a newline, NUL, ESC,
 * C1 or bidi controls and ids that are paths are refused with 400 naming the field, by every
 * route that takes one: path params (iterated from the route table), query and body fields,
 * and the experiment name inside a manifest, the record route's included.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { ApiError } from '../../src/shared/api.js'
import { allRoutes } from '../../src/server/routes/index.js'
import { apiFetch, startChaosCenter, type ChaosCenter } from '../support/chaos-center.js'

const BAD = {
  newline: 'a\nb',
  nul: 'a\u0000b',
  esc: 'a\u001b[31mb',
  'C1 NEL': 'a\u0085b',
  'U+202E': 'a\u202eb',
  'U+2066': 'a\u2066b',
}
/** Ids are never paths either. */
const BAD_IDS = { ...BAD, traversal: '../../etc/passwd', slash: 'a/b', dots: '..x' }

let center: ChaosCenter

before(async () => {
  center = await startChaosCenter()
})

after(async () => {
  await center?.dispose()
})

function expect400(
  r: { status: number; json: unknown; text: string },
  field: string,
  what: string
): void {
  assert.equal(r.status, 400, `${what}: ${r.text}`)
  const body = r.json as ApiError
  assert.equal(body.error, 'validation', what)
  assert.ok(body.message.startsWith(field), `${what}: ${body.message}`)
  // eslint-disable-next-line no-control-regex -- no raw control character may come back
  assert.doesNotMatch(r.text, /[\u0000-\u001f\u0085\u202e\u2066]/, `${what}: echoed raw`)
}

const manifest = (name: string, hypothesis = 'h') => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: ${JSON.stringify(name)}
spec:
  hypothesis: ${hypothesis}
  steps:
    - name: nap
      wait: 100ms
`

describe('path params: every route with an :id', () => {
  const routes = allRoutes.filter((r) => r.url.includes('/:id'))
  test('the route table has routes with ids', () => assert.ok(routes.length >= 10))
  for (const route of routes) {
    test(`${route.method} ${route.url}`, async () => {
      for (const [what, bad] of Object.entries(BAD_IDS)) {
        const path = route.url.replace(':id', encodeURIComponent(bad)).replace(':version', '1')
        const r = await apiFetch(center.url, path, {
          token: center.ownerToken,
          method: route.method,
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }),
        })
        expect400(r, 'params.id', `${what} in ${route.method} ${path}`)
      }
    })
  }
})

describe('query and body fields', () => {
  test('GET /api/runs: experimentId and before', async () => {
    for (const field of ['experimentId', 'before']) {
      for (const [what, bad] of Object.entries(BAD_IDS)) {
        const r = await apiFetch(center.url, `/api/runs?${field}=${encodeURIComponent(bad)}`, {
          token: center.ownerToken,
        })
        expect400(r, `query.${field}`, `${what} in ${field}`)
      }
    }
  })

  test('POST /api/users and /api/tokens: name', async () => {
    for (const [what, bad] of Object.entries(BAD)) {
      for (const name of [bad, `${bad} `, `owner${bad.slice(1)}`]) {
        const user = await apiFetch(center.url, '/api/users', {
          token: center.ownerToken,
          method: 'POST',
          body: { name, role: 'viewer' },
        })
        expect400(user, 'body.name', `${what} in a user name`)
        const token = await apiFetch(center.url, '/api/tokens', {
          token: center.ownerToken,
          method: 'POST',
          body: { name },
        })
        expect400(token, 'body.name', `${what} in a token name`)
      }
    }
  })

  test('POST /api/runs: experimentId', async () => {
    for (const [what, bad] of Object.entries(BAD_IDS)) {
      const r = await apiFetch(center.url, '/api/runs', {
        token: center.ownerToken,
        method: 'POST',
        body: { experimentId: bad },
      })
      expect400(r, 'body.experimentId', what)
    }
  })

  test('POST /api/runs/record: runId, file, and the manifest name (also with unset variables)', async () => {
    for (const [what, bad] of Object.entries(BAD_IDS)) {
      const run = await apiFetch(center.url, '/api/runs/record', {
        token: center.ownerToken,
        method: 'POST',
        body: { yaml: manifest('ok-name'), runId: bad },
      })
      expect400(run, 'body.runId', `${what} in runId`)
      for (const hypothesis of ['h', '${UNSET_ON_THE_SERVER}']) {
        const named = await apiFetch(center.url, '/api/runs/record', {
          token: center.ownerToken,
          method: 'POST',
          body: { yaml: manifest(bad, hypothesis), runId: 'run-1' },
        })
        expect400(named, '', `${what} in metadata.name (${hypothesis})`)
        assert.match((named.json as ApiError).message, /metadata\.name/)
      }
    }
    const file = await apiFetch(center.url, '/api/runs/record', {
      token: center.ownerToken,
      method: 'POST',
      body: { yaml: manifest('ok-name'), runId: 'run-2', file: 'a\u001b[2Jb.yaml' },
    })
    expect400(file, 'body.file', 'ESC in file')
    const none = await apiFetch(center.url, '/api/experiments', { token: center.ownerToken })
    assert.deepEqual(none.json, [], 'nothing was created')
  })

  test('POST/PUT /api/experiments and validate: the manifest name', async () => {
    for (const [what, bad] of Object.entries(BAD_IDS)) {
      const created = await apiFetch(center.url, '/api/experiments', {
        token: center.ownerToken,
        method: 'POST',
        body: { yaml: manifest(bad) },
      })
      assert.equal(created.status, 400, `${what}: ${created.text}`)
      assert.match((created.json as ApiError).message, /metadata\.name/)
      const validated = await apiFetch<{ valid: boolean; issues: { path: string }[] }>(
        center.url,
        '/api/experiments/validate',
        { token: center.ownerToken, method: 'POST', body: { yaml: manifest(bad) } }
      )
      assert.equal(validated.json.valid, false, what)
      assert.ok(
        validated.json.issues.some((i) => i.path === 'metadata.name'),
        what
      )
    }
  })
})
