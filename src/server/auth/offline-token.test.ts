import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { SqliteStore } from '../store/sqlite.js'
import { createOfflineToken, OfflineTokenError } from './offline-token.js'
import { hashSecret } from './secrets.js'

let dir: string
let store: SqliteStore

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-offline-token-'))
  store = new SqliteStore(path.join(dir, 'ordeal.db'))
  await store.migrate()
})

after(async () => {
  await store?.close()
  rmSync(dir, { recursive: true, force: true })
})

const at = (iso: string) => new Date(iso)

describe('createOfflineToken', () => {
  test('an empty store: a named user that is not `owner` is refused, and nothing is written', async () => {
    await assert.rejects(
      createOfflineToken(store, { role: 'viewer', name: 'ci', userName: 'bob' }),
      new OfflineTokenError('no user named bob')
    )
    assert.equal(await store.countUsers(), 0)
  })

  test('an empty store: the owner is created once, then reused', async () => {
    const first = await createOfflineToken(store, {
      role: 'owner',
      name: 'ops',
      now: at('2026-01-01T00:00:00Z'),
    })
    assert.equal(first.createdOwner, true)
    assert.equal(first.user.name, 'owner')
    assert.equal(first.user.role, 'owner')
    const second = await createOfflineToken(store, { role: 'editor', name: 'ci' })
    assert.equal(second.createdOwner, false)
    assert.equal(second.user.id, first.user.id)
    // Only the hash is stored, and it finds the token with its own role.
    const found = await store.findToken(hashSecret(second.secret), new Date().toISOString())
    assert.equal(found?.role, 'editor')
    assert.equal(found?.user.id, first.user.id)
  })

  test('the default user is the oldest owner; --user picks another', async () => {
    await store.createUser({
      id: 'usr_newer',
      name: 'newer',
      role: 'owner',
      createdAt: '2027-01-01T00:00:00Z',
    })
    await store.createUser({
      id: 'usr_vera',
      name: 'vera',
      role: 'viewer',
      createdAt: '2027-01-01T00:00:00Z',
    })
    const made = await createOfflineToken(store, { role: 'viewer', name: 'x' })
    assert.equal(made.user.name, 'owner')
    const theirs = await createOfflineToken(store, { role: 'viewer', name: 'x', userName: 'newer' })
    assert.equal(theirs.user.id, 'usr_newer')
  })

  test('never above the user; agent tokens only for owners; expiry as given', async () => {
    await assert.rejects(
      createOfflineToken(store, { role: 'editor', name: 'x', userName: 'vera' }),
      new OfflineTokenError('user vera is viewer: a token never has more rights than its user')
    )
    await assert.rejects(
      createOfflineToken(store, { role: 'agent', name: 'edge-1', userName: 'vera' }),
      new OfflineTokenError('user vera is viewer: agent tokens belong to owners')
    )
    const expiring = await createOfflineToken(store, {
      role: 'viewer',
      name: 'short',
      userName: 'vera',
      now: at('2026-01-01T00:00:00Z'),
      expiresAt: at('2026-01-31T00:00:00Z'),
    })
    assert.equal(expiring.token.expiresAt, '2026-01-31T00:00:00.000Z')
    assert.equal(
      await store.findToken(hashSecret(expiring.secret), '2026-02-01T00:00:00.000Z'),
      undefined
    )
  })
})
