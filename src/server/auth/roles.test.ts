import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import type { Role } from '../../shared/api.js'
import { ROLES } from '../../shared/api.js'
import { atLeast, lowerRole, roleRank } from './roles.js'

const ALL: Role[] = ['viewer', 'editor', 'owner', 'agent']
const role = fc.constantFrom(...ALL)
const ranked = fc.constantFrom(...ROLES)

describe('roles', () => {
  test('the ranking is viewer < editor < owner; agent is outside it', () => {
    assert.deepEqual(ROLES, ['viewer', 'editor', 'owner'])
    assert.deepEqual(
      ALL.map((r) => roleRank(r)),
      [0, 1, 2, -1]
    )
  })

  test("atLeast('agent', x) holds only for x = agent, and atLeast(x, 'agent') only for x = agent", () => {
    fc.assert(
      fc.property(role, (r) => {
        assert.equal(atLeast('agent', r), r === 'agent')
        assert.equal(atLeast(r, 'agent'), r === 'agent')
      })
    )
    // Not even an owner passes an agent route: an owner's session never poses as an agent.
    assert.equal(atLeast('owner', 'agent'), false)
    assert.equal(atLeast('agent', 'viewer'), false)
  })

  test('among ranked roles, atLeast is the rank order', () => {
    fc.assert(
      fc.property(ranked, ranked, (a, b) => {
        assert.equal(atLeast(a, b), roleRank(a) >= roleRank(b))
      })
    )
    fc.assert(fc.property(ranked, (a) => assert.ok(atLeast(a, a))))
  })

  test('lowerRole: the lower of two ranked roles, never above either; agent stays agent', () => {
    fc.assert(
      fc.property(ranked, ranked, (token, user) => {
        const effective = lowerRole(token, user)
        assert.ok(atLeast(token, effective) && atLeast(user, effective))
        assert.ok(effective === token || effective === user)
        assert.equal(lowerRole(token, user), lowerRole(user, token))
      })
    )
    fc.assert(
      fc.property(ranked, (user) => {
        assert.equal(lowerRole('agent', user), 'agent')
      })
    )
  })

  test('an agent token passes exactly the agent routes, whatever role its user has', () => {
    fc.assert(
      fc.property(ranked, role, (user, access) => {
        assert.equal(atLeast(lowerRole('agent', user), access), access === 'agent')
      })
    )
  })
})
