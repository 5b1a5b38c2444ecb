/**
 * The Chaos Center's API contract against a real server (the built CLI): every state-changing
 * route refuses a missing token, a bad token and too small a role, iterated from the same
 * route list the app registers; validation answers name the field; conflicts are 409; login
 * codes work once; the OpenAPI document covers every route.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type {
  ApiError,
  ApiToken,
  CreatedToken,
  Experiment,
  ExperimentVersion,
  ExperimentVersionPage,
  Health,
  HubTemplate,
  Role,
  User,
  ValidationResult,
} from '../../src/shared/api.js'
import type { RouteDef } from '../../src/server/http/route.js'
import { allRoutes } from '../../src/server/routes/index.js'
import { manifest } from '../support/git-repos.js'
import { documented, openApiPath } from '../../src/server/openapi.js'
import {
  apiFetch,
  createUserWithToken,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'

const RANK: Record<Role, number> = { agent: -1, viewer: 0, editor: 1, owner: 2 }

/** A value only the server's environment holds: no answer may ever contain it. */
const SECRET = 'postgres://ordeal:s3cret-pw@db.internal/ordeal'

/**
 * The access rule of every route, written out by hand: the auth tests below derive what to
 * expect from the route table, so a route declared with too weak a role would pass them; this
 * table is the independent statement of who may do what.
 */
const ACCESS: Record<string, string> = {
  'GET /api/health': 'public',
  'GET /api/openapi.json': 'public',
  'POST /api/auth/login': 'public',
  'GET /api/auth/me': 'viewer',
  'POST /api/auth/logout': 'viewer',
  'GET /api/users': 'owner',
  'POST /api/users': 'owner',
  'PATCH /api/users/:id': 'owner',
  'DELETE /api/users/:id': 'owner',
  'POST /api/users/:id/login-link': 'owner',
  'GET /api/users/:id/tokens': 'owner',
  'DELETE /api/users/:id/tokens': 'owner',
  'GET /api/tokens': 'viewer',
  'POST /api/tokens': 'viewer',
  'DELETE /api/tokens/:id': 'viewer',
  'GET /api/experiments': 'viewer',
  'POST /api/experiments/validate': 'viewer',
  'POST /api/experiments': 'editor',
  'GET /api/experiments/:id': 'viewer',
  'PUT /api/experiments/:id': 'editor',
  'DELETE /api/experiments/:id': 'editor',
  'GET /api/experiments/:id/versions': 'viewer',
  'GET /api/experiments/:id/versions/:version': 'viewer',
  'GET /api/hub': 'viewer',
  'GET /api/hub/:id': 'viewer',
  'POST /api/runs': 'editor',
  'POST /api/runs/:id/abort': 'editor',
  'GET /api/runs': 'viewer',
  'GET /api/runs/:id': 'viewer',
  'GET /api/runs/:id/events': 'viewer',
  'GET /api/runs/:id/stream': 'viewer',
  'GET /api/runs/:id/result.json': 'viewer',
  'GET /api/runs/:id/junit.xml': 'viewer',
  'GET /api/runs/:id/report.html': 'viewer',
  'GET /api/runs/:id/journal.jsonl': 'viewer',
  'POST /api/runs/record': 'editor',
  'POST /api/runs/:id/events': 'editor',
  'POST /api/runs/:id/finish': 'editor',
  'POST /api/runs/submit': 'editor',
  'GET /api/agents': 'viewer',
  // The agents' WebSocket: agent tokens only, and nothing else takes an agent token.
  'GET /api/agents/connect': 'agent',
  'GET /metrics': 'public',
  // Continuous chaos (issue 16). Schedules live in manifests: pausing is an editor's act.
  'GET /api/schedules': 'viewer',
  'GET /api/experiments/:id/schedules': 'viewer',
  'GET /api/experiments/:id/schedules/:name/ticks': 'viewer',
  'POST /api/experiments/:id/schedules/:name/pause': 'editor',
  'POST /api/experiments/:id/schedules/:name/resume': 'editor',
  // A git source holds a credential: only owners add or remove one.
  'GET /api/git-sources': 'viewer',
  'POST /api/git-sources': 'owner',
  'GET /api/git-sources/:id': 'viewer',
  'DELETE /api/git-sources/:id': 'owner',
  'POST /api/git-sources/:id/sync': 'editor',
  // The push webhook carries no token: its HMAC signature (the source's secret) is checked.
  'POST /api/git-sources/:id/webhook': 'public',
  'GET /api/hooks': 'viewer',
  'POST /api/hooks': 'editor',
  'DELETE /api/hooks/:id': 'editor',
  'GET /api/hooks/:id/deliveries': 'viewer',
  // Deliveries carry no token: the hook's signature (or secret) is checked, replays refused.
  'POST /api/hooks/:id': 'public',
  'GET /api/triggers': 'viewer',
  'GET /api/experiments/:id/triggers': 'viewer',
  // Gates read a verdict (viewer); `?run=true` starts a run and needs an editor's token.
  'GET /api/gates/:experiment': 'viewer',
  'POST /api/gates/:experiment': 'viewer',
  // A notification URL is a secret (a Slack webhook's path): only owners add or remove one.
  'GET /api/notifications/targets': 'viewer',
  'POST /api/notifications/targets': 'owner',
  'DELETE /api/notifications/targets/:id': 'owner',
  'POST /api/notifications/targets/:id/test': 'owner',
  'GET /api/notifications/deliveries': 'viewer',
  'GET /': 'public',
  'GET /*': 'public',
}

let center: ChaosCenter
let viewer: { user: User; token: string }
let editor: { user: User; token: string }
/** An agent token (role agent, named after the agent `edge-1`), made by the owner. */
let agent: CreatedToken
let experiment: Experiment

before(async () => {
  center = await startChaosCenter({ env: { ORDEAL_TEST_SECRET: SECRET } })
  viewer = await createUserWithToken(center, 'viewer')
  editor = await createUserWithToken(center, 'editor')
  const created = await apiFetch<Experiment>(center.url, '/api/experiments', {
    token: editor.token,
    method: 'POST',
    body: { yaml: manifest('fixture') },
  })
  assert.equal(created.status, 201, created.text)
  experiment = created.json
})

after(async () => {
  await center?.dispose()
})

/** A real path for a route: ids of real objects where the route names one. */
function pathFor(route: RouteDef): string {
  return route.url
    .replace(':version', '1')
    .replace(':id', () => {
      if (route.url.startsWith('/api/experiments')) {
        return experiment.id
      }
      if (route.url.startsWith('/api/users')) {
        return viewer.user.id
      }
      return 'no-such-id'
    })
    .replace(/:[A-Za-z_]+/g, 'x')
    .replace('*', 'x')
}

const bodyFor = (route: RouteDef) => (route.method === 'GET' ? undefined : {})

describe('auth on every route', () => {
  const protectedRoutes = allRoutes.filter((r) => r.access !== 'public')

  test('every route has exactly the access written in ACCESS (no route added unreviewed)', () => {
    assert.deepEqual(
      Object.fromEntries(allRoutes.map((r) => [`${r.method} ${r.url}`, r.access])),
      ACCESS
    )
  })

  test('the route list has state-changing routes at every role', () => {
    const roles = new Set(protectedRoutes.filter((r) => r.method !== 'GET').map((r) => r.access))
    assert.deepEqual([...roles].sort(), ['editor', 'owner', 'viewer'])
  })

  for (const route of protectedRoutes) {
    const name = `${route.method} ${route.url} (${route.access})`
    test(`${name}: missing token → 401`, async () => {
      const r = await apiFetch<ApiError>(center.url, pathFor(route), {
        method: route.method,
        body: bodyFor(route),
      })
      assert.equal(r.status, 401, r.text)
      assert.deepEqual(r.json, { error: 'unauthorized', message: 'missing bearer token' })
    })
    if (route.method === 'GET') {
      continue
    }
    test(`${name}: bad token → 401`, async () => {
      const r = await apiFetch<ApiError>(center.url, pathFor(route), {
        method: route.method,
        body: bodyFor(route),
        token: 'ord_not-a-real-token',
      })
      assert.equal(r.status, 401, r.text)
      assert.deepEqual(r.json, { error: 'unauthorized', message: 'invalid or expired token' })
    })
    const weaker = (['viewer', 'editor'] as const).filter(
      (role) => RANK[role] < RANK[route.access as Role]
    )
    for (const role of weaker) {
      test(`${name}: ${role} token → 403`, async () => {
        const token = role === 'viewer' ? viewer.token : editor.token
        const r = await apiFetch<ApiError>(center.url, pathFor(route), {
          method: route.method,
          body: bodyFor(route),
          token,
        })
        assert.equal(r.status, 403, r.text)
        assert.deepEqual(r.json, {
          error: 'forbidden',
          message: `requires role ${route.access}; token has ${role}`,
        })
      })
    }
  }
})

describe('agent tokens reach only the agent routes', () => {
  before(async () => {
    const created = await apiFetch<CreatedToken>(center.url, '/api/tokens', {
      token: center.ownerToken,
      method: 'POST',
      body: { name: 'edge-1', role: 'agent' },
    })
    assert.equal(created.status, 201, created.text)
    agent = created.json
  })

  for (const route of allRoutes.filter((r) => r.access !== 'public' && r.access !== 'agent')) {
    test(`${route.method} ${route.url} (${route.access}): agent token → 403`, async () => {
      const r = await apiFetch<ApiError>(center.url, pathFor(route), {
        method: route.method,
        body: bodyFor(route),
        token: agent.secret,
      })
      assert.equal(r.status, 403, r.text)
      assert.deepEqual(r.json, {
        error: 'forbidden',
        message: `requires role ${route.access}; token has agent`,
      })
    })
  }
  for (const route of allRoutes.filter((r) => r.access === 'agent')) {
    test(`${route.method} ${route.url} (agent): viewer, editor and owner tokens → 403`, async () => {
      for (const [role, token] of [
        ['viewer', viewer.token],
        ['editor', editor.token],
        ['owner', center.ownerToken],
      ] as const) {
        const r = await apiFetch<ApiError>(center.url, pathFor(route), {
          method: route.method,
          body: bodyFor(route),
          token,
        })
        assert.equal(r.status, 403, `${role}: ${r.text}`)
        assert.deepEqual(r.json, {
          error: 'forbidden',
          message: `requires role agent; token has ${role}`,
        })
      }
    })
  }
})

describe('server basics', () => {
  test('the UI: deep links answer index.html, hashed assets are immutable, nothing escapes dist/ui', async () => {
    const get = (p: string) => fetch(new URL(p, center.url))
    const home = await get('/')
    const html = await home.text()
    assert.equal(home.status, 200)
    assert.match(html, /<div id="root">/)
    assert.equal(home.headers.get('cache-control'), 'no-cache')
    assert.match(home.headers.get('content-security-policy') ?? '', /script-src 'self'/)
    const deep = await get('/runs/some-run')
    assert.equal(await deep.text(), html)
    const asset = /\/assets\/[^"]+\.js/.exec(html)?.[0]
    assert.ok(asset, html)
    const js = await get(asset)
    assert.equal(js.status, 200)
    assert.match(js.headers.get('content-type') ?? '', /javascript/)
    assert.match(js.headers.get('cache-control') ?? '', /immutable/)
    for (const p of ['/assets/missing.js', '/%2e%2e/package.json', '/..%2fpackage.json']) {
      const r = await get(p)
      assert.equal(r.status, 404, p)
      assert.equal(((await r.json()) as ApiError).error, 'not_found', p)
    }
  })

  test('binds 127.0.0.1 by default and /api/health is public', async () => {
    assert.match(center.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const r = await apiFetch<Health>(center.url, '/api/health')
    assert.equal(r.status, 200)
    assert.equal(r.json.status, 'ok')
    assert.equal(r.json.store, 'sqlite')
    assert.equal(r.json.runningRuns, 0)
    assert.match(r.json.version, /^\d+\.\d+\.\d+/)
  })

  test('an unknown /api route is a JSON 404', async () => {
    for (const method of ['GET', 'POST', 'DELETE']) {
      const r = await apiFetch<ApiError>(center.url, '/api/no-such-thing?x=1', { method })
      assert.equal(r.status, 404)
      assert.match(r.headers.get('content-type') ?? '', /application\/json/)
      assert.deepEqual(r.json, {
        error: 'not_found',
        message: `no route ${method} /api/no-such-thing`,
      })
    }
  })

  test('bad JSON is a 400 in the ApiError shape', async () => {
    const r = await apiFetch<ApiError>(center.url, '/api/experiments', {
      method: 'POST',
      token: editor.token,
      body: '{"yaml": ',
    })
    assert.equal(r.status, 400)
    assert.equal(r.json.error, 'validation')
    assert.match(r.json.message, /^body: invalid JSON/)
  })

  test('UI responses carry security headers and no CORS', async () => {
    const r = await apiFetch(center.url, '/', { headers: { origin: 'https://evil.example' } })
    assert.equal(r.status, 200)
    assert.match(r.headers.get('content-type') ?? '', /text\/html/)
    assert.match(r.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
    assert.match(r.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(r.headers.get('access-control-allow-origin'), null)
  })

  test('the OpenAPI document lists every route of allRoutes', async () => {
    const r = await apiFetch<{
      openapi: string
      paths: Record<string, Record<string, { security: unknown[]; 'x-ordeal-role': string }>>
      components: { securitySchemes: Record<string, { type: string; scheme: string }> }
    }>(center.url, '/api/openapi.json')
    assert.equal(r.status, 200)
    assert.equal(r.json.openapi, '3.1.0')
    assert.deepEqual(r.json.components.securitySchemes['bearer'], {
      type: 'http',
      scheme: 'bearer',
      description: r.json.components.securitySchemes['bearer']!['description' as 'type'],
    })
    const apiRoutes = allRoutes.filter(documented)
    assert.ok(apiRoutes.length >= 20, `only ${apiRoutes.length} routes`)
    for (const route of apiRoutes) {
      const op = r.json.paths[openApiPath(route.url)]?.[route.method.toLowerCase()]
      assert.ok(op, `${route.method} ${route.url} missing from the OpenAPI document`)
      assert.equal(op['x-ordeal-role'], route.access)
      assert.deepEqual(op.security, route.access === 'public' ? [] : [{ bearer: [] }])
    }
    const create = r.json.paths['/api/experiments']!['post'] as unknown as {
      requestBody: { content: { 'application/json': { schema: { required: string[] } } } }
    }
    assert.deepEqual(create.requestBody.content['application/json'].schema.required, ['yaml'])
  })

  test("the hub lists its templates (ordeal init's starters too) with tags from their fault types", async () => {
    const r = await apiFetch<HubTemplate[]>(center.url, '/api/hub', { token: viewer.token })
    assert.equal(r.status, 200)
    assert.deepEqual(
      r.json.map((t) => [t.id, t.tags]),
      [
        ['attach-kill', ['process-kill']],
        ['attach-proxy-latency', ['proxy-toxic']],
        ['launch-kill', ['process-kill']],
        ['launch-proxy-latency', ['proxy-toxic']],
        ['load-and-kill', ['process-kill']],
        ['network-partition', ['network-partition']],
        ['order-delivery', ['process-kill']],
        ['process-kill', ['process-kill']],
        ['process-pause', ['process-pause']],
      ]
    )
    const one = await apiFetch<HubTemplate>(center.url, '/api/hub/process-kill', {
      token: viewer.token,
    })
    assert.equal(one.status, 200)
    assert.match(one.json.yaml, /type: process-kill/)
    // Every template is a valid manifest for this server (the attach starters once their
    // port, a variable with no default, is written in).
    for (const template of r.json) {
      const v = await apiFetch<ValidationResult>(center.url, '/api/experiments/validate', {
        token: viewer.token,
        method: 'POST',
        body: { yaml: template.yaml.replaceAll('${SERVICE_PORT}', '8080') },
      })
      assert.deepEqual(v.json, { valid: true, issues: [] }, template.id)
    }
  })
})

describe('experiments', () => {
  test("a manifest cannot read the server's environment through ${VAR} (validate, create)", async () => {
    // The variable in a key, the hypothesis and a name: each would echo its value somewhere.
    const yaml = manifest('env-${ORDEAL_TEST_SECRET}', 'leak ${ORDEAL_TEST_SECRET}').replace(
      'metadata:\n',
      'metadata:\n  ${ORDEAL_TEST_SECRET}: 1\n'
    )
    const validate = await apiFetch<ValidationResult>(center.url, '/api/experiments/validate', {
      token: viewer.token,
      method: 'POST',
      body: { yaml },
    })
    assert.equal(validate.json.valid, false)
    assert.ok(!validate.text.includes('s3cret'), validate.text)
    assert.match(validate.text, /variable \$\{ORDEAL_TEST_SECRET\} is not set/)
    const create = await apiFetch<ApiError>(center.url, '/api/experiments', {
      token: editor.token,
      method: 'POST',
      body: { yaml },
    })
    assert.equal(create.status, 400)
    assert.ok(!create.text.includes('s3cret'), create.text)
    // Defaults still work: `${NAME:-default}` is how templates take parameters.
    const withDefault = await apiFetch<ValidationResult>(center.url, '/api/experiments/validate', {
      token: viewer.token,
      method: 'POST',
      body: { yaml: manifest('env-${ORDEAL_TEST_UNSET:-ok}') },
    })
    assert.deepEqual(withDefault.json, { valid: true, issues: [] })
    assert.ok(SECRET.includes('s3cret'))
  })

  test('missing yaml → 400 naming body.yaml', async () => {
    const r = await apiFetch<ApiError>(center.url, '/api/experiments', {
      token: editor.token,
      method: 'POST',
      body: {},
    })
    assert.equal(r.status, 400)
    assert.deepEqual(r.json, {
      error: 'validation',
      message: 'body.yaml: Required',
      issues: [{ path: 'body.yaml', message: 'Required' }],
    })
  })

  test('an unknown field → 400 naming it', async () => {
    const r = await apiFetch<ApiError>(center.url, '/api/experiments', {
      token: editor.token,
      method: 'POST',
      body: { yaml: manifest('x'), colour: 'red' },
    })
    assert.equal(r.status, 400)
    assert.equal(r.json.message, 'body.colour: unknown field')
  })

  test('an invalid manifest → 400 with issues carrying YAML lines', async () => {
    const yaml = manifest('broken').replace('wait: 100ms', 'wait: 100ms\n      colour: red')
    const r = await apiFetch<ApiError>(center.url, '/api/experiments', {
      token: editor.token,
      method: 'POST',
      body: { yaml },
    })
    assert.equal(r.status, 400, r.text)
    assert.equal(r.json.error, 'validation')
    const line = yaml.split('\n').findIndex((l) => l.includes('colour')) + 1
    assert.deepEqual(r.json.issues, [
      { path: 'spec.steps[0].colour', message: 'unknown field', line },
    ])
    assert.equal(r.json.message, `line ${line}: spec.steps[0].colour: unknown field`)

    const v = await apiFetch<ValidationResult>(center.url, '/api/experiments/validate', {
      token: viewer.token,
      method: 'POST',
      body: { yaml },
    })
    assert.equal(v.status, 200)
    assert.deepEqual(v.json, { valid: false, issues: r.json.issues })
  })

  test('name and hypothesis come from the manifest; a duplicate name → 409', async () => {
    assert.equal(experiment.name, 'fixture')
    assert.equal(experiment.hypothesis, 'The sleeper keeps sleeping.')
    assert.equal(experiment.version, 1)
    assert.equal(experiment.createdBy, editor.user.id)
    assert.equal(experiment.createdByName, editor.user.name)
    const r = await apiFetch<ApiError>(center.url, '/api/experiments', {
      token: editor.token,
      method: 'POST',
      body: { yaml: manifest('fixture') },
    })
    assert.equal(r.status, 409)
    assert.equal(r.json.error, 'conflict')
  })

  test('update adds a version; a stale expectedVersion → 409', async () => {
    const created = await apiFetch<Experiment>(center.url, '/api/experiments', {
      token: editor.token,
      method: 'POST',
      body: { yaml: manifest('versioned') },
    })
    assert.equal(created.status, 201)
    const id = created.json.id
    const updated = await apiFetch<Experiment>(center.url, `/api/experiments/${id}`, {
      token: editor.token,
      method: 'PUT',
      body: { yaml: manifest('versioned', 'Now with a sharper hypothesis.'), expectedVersion: 1 },
    })
    assert.equal(updated.status, 200, updated.text)
    assert.equal(updated.json.version, 2)
    assert.equal(updated.json.hypothesis, 'Now with a sharper hypothesis.')
    const stale = await apiFetch<ApiError>(center.url, `/api/experiments/${id}`, {
      token: editor.token,
      method: 'PUT',
      body: { yaml: manifest('versioned'), expectedVersion: 1 },
    })
    assert.equal(stale.status, 409)
    assert.equal(stale.json.error, 'conflict')
    const versions = await apiFetch<ExperimentVersionPage>(
      center.url,
      `/api/experiments/${id}/versions`,
      { token: viewer.token }
    )
    assert.deepEqual(
      versions.json.versions.map((v) => v.version),
      [2, 1]
    )
    assert.equal(versions.json.next, undefined)
    assert.equal('yaml' in versions.json.versions[0]!, false, 'the list carries no YAML')
    // Keyset pages: `next` is the `before` of the older page.
    const page1 = await apiFetch<ExperimentVersionPage>(
      center.url,
      `/api/experiments/${id}/versions?limit=1`,
      { token: viewer.token }
    )
    assert.deepEqual(page1.json, { versions: [versions.json.versions[0]], next: 2 })
    const page2 = await apiFetch<ExperimentVersionPage>(
      center.url,
      `/api/experiments/${id}/versions?limit=1&before=2`,
      { token: viewer.token }
    )
    assert.deepEqual(page2.json, { versions: [versions.json.versions[1]] })
    const tooMany = await apiFetch<ApiError>(
      center.url,
      `/api/experiments/${id}/versions?limit=100000`,
      { token: viewer.token }
    )
    assert.equal(tooMany.status, 400)
    assert.match(tooMany.json.message, /^query\.limit: /)
    const v1 = await apiFetch<ExperimentVersion>(center.url, `/api/experiments/${id}/versions/1`, {
      token: viewer.token,
    })
    assert.equal(v1.json.yaml, manifest('versioned'))
    const bad = await apiFetch<ApiError>(center.url, `/api/experiments/${id}/versions/zero`, {
      token: viewer.token,
    })
    assert.equal(bad.status, 400)
    assert.match(bad.json.message, /^params\.version: /)
    const gone = await apiFetch(center.url, `/api/experiments/${id}`, {
      token: editor.token,
      method: 'DELETE',
    })
    assert.equal(gone.status, 204)
    const missing = await apiFetch<ApiError>(center.url, `/api/experiments/${id}`, {
      token: viewer.token,
    })
    assert.equal(missing.status, 404)
    assert.equal(missing.json.error, 'not_found')
  })

  test('a viewer can list experiments but not create them', async () => {
    const list = await apiFetch<Experiment[]>(center.url, '/api/experiments', {
      token: viewer.token,
    })
    assert.equal(list.status, 200)
    assert.ok(list.json.some((e) => e.id === experiment.id))
    const create = await apiFetch<ApiError>(center.url, '/api/experiments', {
      token: viewer.token,
      method: 'POST',
      body: { yaml: manifest('by-viewer') },
    })
    assert.equal(create.status, 403)
    assert.equal(create.json.message, 'requires role editor; token has viewer')
  })
})

describe('login, users and tokens', () => {
  test('logout revokes the session token, but never an API token used to log in', async () => {
    const session = await createUserWithToken(center, 'viewer')
    const apiToken = await apiFetch<CreatedToken>(center.url, '/api/tokens', {
      token: session.token,
      method: 'POST',
      body: { name: 'ci' },
    })
    assert.equal(apiToken.status, 201, apiToken.text)
    const me = (token: string) => apiFetch(center.url, '/api/auth/me', { token })
    const logout = (token: string) =>
      apiFetch<{ revoked: boolean }>(center.url, '/api/auth/logout', { token, method: 'POST' })

    assert.deepEqual((await logout(apiToken.json.secret)).json, { revoked: false })
    assert.equal((await me(apiToken.json.secret)).status, 200)
    assert.deepEqual((await logout(session.token)).json, { revoked: true })
    assert.equal((await me(session.token)).status, 401)
  })

  test('login codes and tokens are different kinds: a token is never exchanged at login', async () => {
    const apiToken = await apiFetch<CreatedToken>(center.url, '/api/tokens', {
      token: editor.token,
      method: 'POST',
      body: { name: 'ci' },
    })
    assert.equal(apiToken.status, 201, apiToken.text)
    assert.match(apiToken.json.secret, /^ordl_tok_/)
    // Someone's API token or session token in a login link: refused, and left working.
    for (const secret of [apiToken.json.secret, editor.token]) {
      const login = await apiFetch<ApiError>(center.url, '/api/auth/login', {
        method: 'POST',
        body: { code: secret },
      })
      assert.equal(login.status, 401, login.text)
      assert.match(login.json.message, /not a login code/)
      const me = await apiFetch(center.url, '/api/auth/me', { token: secret })
      assert.equal(me.status, 200, 'the token was not used up')
    }
    // A login code is refused as a bearer token by its kind, and still works at login.
    const created = await apiFetch<{ loginCode: string }>(center.url, '/api/users', {
      token: center.ownerToken,
      method: 'POST',
      body: { name: 'kinds', role: 'viewer' },
    })
    assert.match(created.json.loginCode, /^ordl_login_/)
    const asBearer = await apiFetch<ApiError>(center.url, '/api/auth/me', {
      token: created.json.loginCode,
    })
    assert.equal(asBearer.status, 401)
    assert.match(asBearer.json.message, /a login code is not a token/)
    const login = await apiFetch(center.url, '/api/auth/login', {
      method: 'POST',
      body: { code: created.json.loginCode },
    })
    assert.equal(login.status, 200, login.text)
  })

  test('a one-time code works exactly once', async () => {
    const created = await apiFetch<{ user: User; loginCode: string; loginLink: string }>(
      center.url,
      '/api/users',
      { token: center.ownerToken, method: 'POST', body: { name: 'once', role: 'editor' } }
    )
    assert.equal(created.status, 201)
    assert.equal(created.json.loginLink, `${center.url}/login?code=${created.json.loginCode}`)
    const first = await apiFetch<{ token: string; user: User }>(center.url, '/api/auth/login', {
      method: 'POST',
      body: { code: created.json.loginCode },
    })
    assert.equal(first.status, 200)
    assert.equal(first.json.user.name, 'once')
    assert.match(first.json.token, /^ordl_tok_[A-Za-z0-9_-]{43}$/)
    const me = await apiFetch<{ user: User; role: Role }>(center.url, '/api/auth/me', {
      token: first.json.token,
    })
    assert.equal(me.json.role, 'editor')
    const second = await apiFetch<ApiError>(center.url, '/api/auth/login', {
      method: 'POST',
      body: { code: created.json.loginCode },
    })
    assert.equal(second.status, 401)
    assert.equal(second.json.error, 'unauthorized')
    // A code is not a bearer token, even before it is used.
    const fresh = await apiFetch<{ loginCode: string }>(center.url, '/api/users', {
      token: center.ownerToken,
      method: 'POST',
      body: { name: 'unused', role: 'viewer' },
    })
    const asBearer = await apiFetch(center.url, '/api/auth/me', { token: fresh.json.loginCode })
    assert.equal(asBearer.status, 401)
    // The first start's link was used by the harness.
    const firstCode = new URL(center.loginLink!).searchParams.get('code')
    const reused = await apiFetch(center.url, '/api/auth/login', {
      method: 'POST',
      body: { code: firstCode },
    })
    assert.equal(reused.status, 401)
  })

  test('tokens: role at most the caller’s, expiry, revocation', async () => {
    const tooHigh = await apiFetch<ApiError>(center.url, '/api/tokens', {
      token: viewer.token,
      method: 'POST',
      body: { name: 'ci', role: 'editor' },
    })
    assert.equal(tooHigh.status, 403)
    const created = await apiFetch<CreatedToken>(center.url, '/api/tokens', {
      token: editor.token,
      method: 'POST',
      body: { name: 'ci', role: 'viewer', expiresInDays: 2 },
    })
    assert.equal(created.status, 201, created.text)
    assert.equal(created.json.role, 'viewer')
    assert.equal(created.json.userId, editor.user.id)
    const expiresIn = Date.parse(created.json.expiresAt!) - Date.now()
    assert.ok(Math.abs(expiresIn - 2 * 86_400_000) < 60_000, `expires in ${expiresIn} ms`)
    // The token acts with its own role, not its user's.
    const me = await apiFetch<{ role: Role }>(center.url, '/api/auth/me', {
      token: created.json.secret,
    })
    assert.equal(me.json.role, 'viewer')
    const own = await apiFetch<ApiToken[]>(center.url, '/api/tokens', { token: editor.token })
    assert.ok(own.json.every((t) => t.userId === editor.user.id))
    assert.ok(own.json.some((t) => t.id === created.json.id))
    assert.ok(own.json.every((t) => !('secret' in t) && !('hash' in t)))
    // Someone else's token is not found; an owner can revoke it.
    const foreign = await apiFetch(center.url, `/api/tokens/${created.json.id}`, {
      token: viewer.token,
      method: 'DELETE',
    })
    assert.equal(foreign.status, 404)
    const revoked = await apiFetch(center.url, `/api/tokens/${created.json.id}`, {
      token: center.ownerToken,
      method: 'DELETE',
    })
    assert.equal(revoked.status, 204)
    const after = await apiFetch<ApiError>(center.url, '/api/auth/me', {
      token: created.json.secret,
    })
    assert.equal(after.status, 401)
    assert.equal(after.json.message, 'invalid or expired token')
  })

  test('agent tokens: owners only, named after the agent, several per name, revocable', async () => {
    const create = (token: string, name: string) =>
      apiFetch<CreatedToken & ApiError>(center.url, '/api/tokens', {
        token,
        method: 'POST',
        body: { name, role: 'agent' },
      })
    const byEditor = await create(editor.token, 'edge-7')
    assert.equal(byEditor.status, 403, byEditor.text)
    assert.deepEqual(byEditor.json, {
      error: 'forbidden',
      message: 'only owners create agent tokens; token has editor',
    })
    for (const name of ['Edge_7', 'edge-', '-edge', 'edge 7', 'a'.repeat(64)]) {
      const bad = await create(center.ownerToken, name)
      assert.equal(bad.status, 400, `${name}: ${bad.text}`)
      assert.equal(bad.json.error, 'validation')
      assert.equal(
        bad.json.message,
        "body.name: an agent token's name is the agent's name (a-z, 0-9, '-')"
      )
    }
    // Two tokens for one agent (rotation): both work until one is revoked.
    const first = await create(center.ownerToken, 'edge-7')
    const second = await create(center.ownerToken, 'edge-7')
    assert.equal(first.status, 201, first.text)
    assert.equal(second.status, 201, second.text)
    assert.equal(first.json.role, 'agent')
    assert.match(first.json.secret, /^ordl_tok_/)
    const listed = await apiFetch<ApiToken[]>(center.url, '/api/tokens', {
      token: center.ownerToken,
    })
    assert.deepEqual(
      listed.json.filter((t) => t.name === 'edge-7').map((t) => t.role),
      ['agent', 'agent']
    )
    // Authenticated (403, not 401), and still nothing but the agent routes.
    const asAgent = (secret: string) =>
      apiFetch<ApiError>(center.url, '/api/auth/me', { token: secret })
    assert.deepEqual((await asAgent(first.json.secret)).json, {
      error: 'forbidden',
      message: 'requires role viewer; token has agent',
    })
    const revoked = await apiFetch(center.url, `/api/tokens/${first.json.id}`, {
      token: center.ownerToken,
      method: 'DELETE',
    })
    assert.equal(revoked.status, 204, revoked.text)
    assert.equal((await asAgent(first.json.secret)).status, 401)
    assert.equal((await asAgent(second.json.secret)).status, 403)
  })

  test("an owner's agent tokens stop working when the owner is demoted", async () => {
    const other = await createUserWithToken(center, 'owner')
    const demote = () =>
      apiFetch<User>(center.url, `/api/users/${other.user.id}`, {
        token: center.ownerToken,
        method: 'PATCH',
        body: { role: 'editor' },
      })
    try {
      const minted = await apiFetch<CreatedToken>(center.url, '/api/tokens', {
        token: other.token,
        method: 'POST',
        body: { name: 'edge-8', role: 'agent' },
      })
      assert.equal(minted.status, 201, minted.text)
      const demoted = await demote()
      assert.equal(demoted.status, 200, demoted.text)
      const me = await apiFetch<ApiError>(center.url, '/api/auth/me', {
        token: minted.json.secret,
      })
      assert.equal(me.status, 403, me.text)
      assert.equal(
        me.json.message,
        `agent tokens belong to owners; user ${other.user.name} is editor`
      )
    } finally {
      // Whatever failed above: later tests need `owner` to be the last owner.
      await demote()
    }
  })

  test("an owner lists and revokes every token of a user; tokens outlive their session's logout", async () => {
    const carol = await createUserWithToken(center, 'editor', 'carol')
    const minted = await apiFetch<CreatedToken>(center.url, '/api/tokens', {
      token: carol.token,
      method: 'POST',
      body: { name: 'forever' },
    })
    assert.equal(minted.status, 201)
    assert.equal(minted.json.expiresAt, undefined)
    // Logging out ends the session that minted it; the API token lives on...
    await apiFetch(center.url, '/api/auth/logout', { token: carol.token, method: 'POST' })
    assert.equal((await apiFetch(center.url, '/api/auth/me', { token: carol.token })).status, 401)
    const me = await apiFetch(center.url, '/api/auth/me', { token: minted.json.secret })
    assert.equal(me.status, 200)
    // ...until the owner revokes the user's tokens.
    const listed = await apiFetch<ApiToken[]>(center.url, `/api/users/${carol.user.id}/tokens`, {
      token: center.ownerToken,
    })
    assert.equal(listed.status, 200, listed.text)
    assert.deepEqual(
      listed.json.map((t) => t.name),
      ['forever']
    )
    const revoked = await apiFetch<{ revoked: number }>(
      center.url,
      `/api/users/${carol.user.id}/tokens`,
      { token: center.ownerToken, method: 'DELETE' }
    )
    assert.deepEqual(revoked.json, { revoked: 1 })
    const after = await apiFetch(center.url, '/api/auth/me', { token: minted.json.secret })
    assert.equal(after.status, 401)
    const missing = await apiFetch(center.url, '/api/users/usr_nobody/tokens', {
      token: center.ownerToken,
    })
    assert.equal(missing.status, 404)
  })

  test('a demoted user’s tokens lose the role at once; the last owner stays', async () => {
    const someone = await createUserWithToken(center, 'editor')
    const demote = await apiFetch<User>(center.url, `/api/users/${someone.user.id}`, {
      token: center.ownerToken,
      method: 'PATCH',
      body: { role: 'viewer' },
    })
    assert.equal(demote.status, 200)
    assert.equal(demote.json.role, 'viewer')
    const create = await apiFetch<ApiError>(center.url, '/api/experiments', {
      token: someone.token,
      method: 'POST',
      body: { yaml: manifest('by-demoted') },
    })
    assert.equal(create.status, 403)
    const me = await apiFetch<{ user: User }>(center.url, '/api/auth/me', {
      token: center.ownerToken,
    })
    const lastOwner = await apiFetch<ApiError>(center.url, `/api/users/${me.json.user.id}`, {
      token: center.ownerToken,
      method: 'DELETE',
    })
    assert.equal(lastOwner.status, 409)
    assert.equal(lastOwner.json.message, 'cannot delete the last owner')
    const users = await apiFetch<User[]>(center.url, '/api/users', { token: center.ownerToken })
    assert.ok(users.json.some((u) => u.name === 'owner' && u.role === 'owner'))
    const removed = await apiFetch(center.url, `/api/users/${someone.user.id}`, {
      token: center.ownerToken,
      method: 'DELETE',
    })
    assert.equal(removed.status, 204)
    const gone = await apiFetch(center.url, '/api/auth/me', { token: someone.token })
    assert.equal(gone.status, 401)
  })

  test('after a restart the owner token still works and no login link is printed', async () => {
    await center.restart()
    assert.equal(center.loginLink, undefined)
    assert.doesNotMatch(center.output(), /login:/)
    const me = await apiFetch<{ user: User }>(center.url, '/api/auth/me', {
      token: center.ownerToken,
    })
    assert.equal(me.status, 200)
    assert.equal(me.json.user.name, 'owner')
  })

  test('--reset-login prints a new one-time link for the owner, replacing older ones', async () => {
    const codeOf = () => {
      assert.ok(
        center.loginLink?.startsWith(`${center.url}/login?code=ordl_login_`),
        center.output()
      )
      return new URL(center.loginLink ?? '').searchParams.get('code')
    }
    await center.restart(['--reset-login'])
    const older = codeOf()
    await center.restart(['--reset-login'])
    const newer = codeOf()
    const login = (code: string | null) =>
      apiFetch<{ user: User }>(center.url, '/api/auth/login', { method: 'POST', body: { code } })
    assert.equal((await login(older)).status, 401, 'an older unused link no longer works')
    const ok = await login(newer)
    assert.equal(ok.status, 200)
    assert.equal(ok.json.user.role, 'owner')
  })
})
