/** defineRoute's guard on `tokenFromBody` routes: people's roles only, and a small body. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defineRoute, TOKEN_FROM_BODY_LIMIT, type Access } from './route.js'

const route = (access: Access, bodyLimit?: number) => ({
  method: 'POST' as const,
  url: '/api/x',
  access,
  tag: 'x',
  summary: 'x',
  ...(bodyLimit !== undefined ? { bodyLimit } : {}),
  tokenFromBody: () => undefined,
  handler: async () => ({}),
})

test('tokenFromBody is refused on public and agent routes', () => {
  for (const access of ['public', 'agent'] as const) {
    assert.throws(
      () => defineRoute(route(access, 1024) as never),
      new RegExp(`tokenFromBody needs access viewer, editor or owner \\(not ${access}\\)`)
    )
  }
})

test('tokenFromBody needs a bodyLimit of at most 64 KiB', () => {
  assert.throws(() => defineRoute(route('viewer') as never), /bodyLimit of at most 65536/)
  assert.throws(
    () => defineRoute(route('viewer', TOKEN_FROM_BODY_LIMIT + 1) as never),
    /bodyLimit of at most/
  )
  for (const access of ['viewer', 'editor', 'owner'] as const) {
    defineRoute(route(access, TOKEN_FROM_BODY_LIMIT) as never)
  }
})
