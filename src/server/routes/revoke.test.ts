/**
 * Revoking a token or a user disconnects the agents using them (issue 14 §2 "Revocation"): the
 * token and user routes call `ctx.fleet.revoke` after the delete, naming who revoked. Socket-free
 * (`app.inject`) against a real SQLite store, with a fleet that records its calls: the fleet's
 * own disconnect is tested with it (src/server/fleet/) and end to end (test/e2e/agents/).
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, beforeEach, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import type { User } from '../../shared/api.js'
import { buildApp } from '../app.js'
import { createOfflineToken } from '../auth/offline-token.js'
import type { Fleet, ServerContext } from '../context.js'
import { SqliteStore } from '../store/sqlite.js'
import { tokenRoutes } from './tokens.js'
import { userRoutes } from './users.js'

type Revoked = [{ tokenId: string } | { userId: string }, string]

let dir: string
let store: SqliteStore
let app: FastifyInstance
let ownerSecret: string
const revoked: Revoked[] = []

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-revoke-'))
  store = new SqliteStore(path.join(dir, 'ordeal.db'))
  await store.migrate()
  ownerSecret = (await createOfflineToken(store, { role: 'owner', name: 'ops' })).secret
  const fleet: Pick<Fleet, 'revoke'> = { revoke: (match, by) => void revoked.push([match, by]) }
  // Only what the token and user routes reach; the rest of the context is never touched.
  const ctx = {
    store,
    fleet,
    log: () => {},
    baseUrl: () => 'http://127.0.0.1:7700',
  } as unknown as ServerContext
  app = buildApp(ctx, [...tokenRoutes, ...userRoutes])
  await app.ready()
})

after(async () => {
  await app?.close()
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

beforeEach(() => {
  revoked.length = 0
})

async function call<T>(method: string, url: string, body?: unknown) {
  const r = await app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${ownerSecret}` },
    ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
  })
  return { status: r.statusCode, json: (r.body === '' ? undefined : r.json()) as T, text: r.body }
}

async function user(name: string, role: User['role']): Promise<User> {
  const r = await call<{ user: User }>('POST', '/api/users', { name, role })
  assert.equal(r.status, 201, r.text)
  return r.json.user
}

describe('revocation reaches the fleet', () => {
  test('DELETE /api/tokens/:id: the token, by the caller, after the delete', async () => {
    const agent = await call<{ id: string }>('POST', '/api/tokens', {
      name: 'edge-1',
      role: 'agent',
    })
    assert.equal(agent.status, 201, agent.text)
    const r = await call('DELETE', `/api/tokens/${agent.json.id}`)
    assert.equal(r.status, 204, r.text)
    assert.deepEqual(revoked, [[{ tokenId: agent.json.id }, 'owner']])
    assert.equal((await store.listTokens()).filter((t) => t.id === agent.json.id).length, 0)
  })

  test('a token that does not exist: 404 and nothing revoked', async () => {
    const r = await call('DELETE', '/api/tokens/tok_nothing')
    assert.equal(r.status, 404, r.text)
    assert.deepEqual(revoked, [])
  })

  test("DELETE /api/users/:id/tokens and DELETE /api/users/:id: the user's agents", async () => {
    const alice = await user('alice', 'owner')
    await createOfflineToken(store, { role: 'agent', name: 'edge-2', userName: 'alice' })
    const tokens = await call<{ revoked: number }>('DELETE', `/api/users/${alice.id}/tokens`)
    // The agent token and alice's unused login code.
    assert.deepEqual(tokens.json, { revoked: 2 })
    assert.deepEqual(revoked, [[{ userId: alice.id }, 'owner']])
    revoked.length = 0
    const gone = await call('DELETE', `/api/users/${alice.id}`)
    assert.equal(gone.status, 204, gone.text)
    assert.deepEqual(revoked, [[{ userId: alice.id }, 'owner']])
  })

  test('demoting an owner revokes their agents; other role changes do not', async () => {
    const bob = await user('bob', 'owner')
    const demoted = await call('PATCH', `/api/users/${bob.id}`, { role: 'editor' })
    assert.equal(demoted.status, 200, demoted.text)
    assert.deepEqual(revoked, [[{ userId: bob.id }, 'owner']])
    revoked.length = 0
    await call('PATCH', `/api/users/${bob.id}`, { role: 'viewer' })
    await call('PATCH', `/api/users/${bob.id}`, { role: 'owner' })
    assert.deepEqual(revoked, [])
  })
})
