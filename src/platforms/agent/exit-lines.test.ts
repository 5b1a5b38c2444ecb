import assert from 'node:assert/strict'
import { test } from 'node:test'
import { closeLine, fatalAtAnyTime, httpLine } from './exit-lines.js'

test('HTTP answers before the upgrade (design §9)', () => {
  const body = (error: string, message: string) => JSON.stringify({ error, message })
  assert.equal(
    httpLine('https://cc', 401, body('unauthorized', 'invalid or expired token')),
    'https://cc rejected the token (401 unauthorized: invalid or expired token)'
  )
  assert.equal(
    httpLine('https://cc', 403, body('forbidden', 'requires role agent; token has editor')),
    "the token's role is editor; an agent needs a token of role agent (ordeal token create --role agent --name NAME)"
  )
  assert.equal(
    httpLine('https://cc/', 404, '<html>nope</html>'),
    'https://cc/ is not a Chaos Center (GET /api/agents/connect answered 404)'
  )
})

test('closes the operator must act on, and the ones that only reconnect', () => {
  assert.equal(
    closeLine(4001, 'token revoked by alice', 'edge-1', undefined),
    "the Chaos Center revoked this agent's token; its runs were rolled back"
  )
  assert.equal(
    closeLine(4002, 'replaced by a new agent named edge-1 from 198.18.0.7', 'edge-1', undefined),
    'replaced by another agent named edge-1 (from 198.18.0.7); exiting'
  )
  assert.equal(
    closeLine(4004, 'the token is for agent edge-1', 'edge-2', 'edge-2'),
    'the token is for agent edge-1, not edge-2 (--name)'
  )
  for (const code of [1000, 1001, 1006, 4000]) {
    assert.equal(closeLine(code, '', 'edge-1', undefined), undefined)
  }
})

test('a 401 or a 403 naming the role ends the agent at any time; other answers are retried', () => {
  assert.equal(fatalAtAnyTime(401, '{"error":"unauthorized"}'), true)
  assert.equal(
    fatalAtAnyTime(403, '{"error":"forbidden","message":"this token has viewer; agent needed"}'),
    true
  )
  assert.equal(fatalAtAnyTime(403, 'Forbidden by proxy policy'), false)
  assert.equal(fatalAtAnyTime(404, ''), false)
  assert.equal(fatalAtAnyTime(502, ''), false)
})
