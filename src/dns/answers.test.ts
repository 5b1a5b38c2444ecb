import assert from 'node:assert/strict'
import { test } from 'node:test'
import dnsPacket, { type DecodedPacket } from 'dns-packet'
import { parseQuery, rcodeOf, reply } from './answers.js'

function query(name: string, type: 'A' | 'AAAA' = 'A', id = 4242): DecodedPacket {
  const wire = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
  })
  const parsed = parseQuery(wire)
  assert.ok(parsed)
  return parsed
}

test('NOERROR with addresses: one A record each, the query id and question echoed', () => {
  const out = dnsPacket.decode(reply(query('n2'), 'NOERROR', ['198.18.3.2', '198.18.3.3']))
  assert.equal(out.type, 'response')
  assert.equal(out.id, 4242)
  assert.equal((out as unknown as { rcode: string }).rcode, 'NOERROR')
  assert.ok(out.flag_rd && !out.flag_ra && out.flag_aa)
  assert.deepEqual(out.questions, [{ name: 'n2', type: 'A', class: 'IN' }])
  assert.deepEqual(
    out.answers?.map((a) => [
      a.type,
      a.name,
      (a as { data: string }).data,
      (a as { ttl: number }).ttl,
    ]),
    [
      ['A', 'n2', '198.18.3.2', 5],
      ['A', 'n2', '198.18.3.3', 5],
    ]
  )
})

test('an AAAA question of a run name: NOERROR with no records (the name exists)', () => {
  const out = dnsPacket.decode(reply(query('n2', 'AAAA'), 'NOERROR', ['198.18.3.2']))
  assert.equal(rcodeOf(reply(query('n2', 'AAAA'), 'NOERROR', ['198.18.3.2'])), 0)
  assert.deepEqual(out.answers, [])
})

test('NXDOMAIN, SERVFAIL and REFUSED carry their RCODE and no records', () => {
  for (const [rcode, code] of [
    ['NXDOMAIN', 3],
    ['SERVFAIL', 2],
    ['REFUSED', 5],
  ] as const) {
    const wire = reply(query('db'), rcode, ['198.18.9.9'], 0)
    assert.equal(rcodeOf(wire), code)
    const out = dnsPacket.decode(wire)
    assert.equal((out as unknown as { rcode: string }).rcode, rcode)
    assert.deepEqual(out.answers, [])
  }
})

test('a faulted address is answered with TTL 0, so no cache keeps it past the window', () => {
  const out = dnsPacket.decode(reply(query('db'), 'NOERROR', ['198.18.9.9'], 0))
  assert.equal((out.answers?.[0] as { ttl?: number } | undefined)?.ttl, 0)
})

test('parseQuery refuses garbage, responses, and queries without exactly one question', () => {
  assert.equal(parseQuery(Buffer.from('not dns')), undefined)
  assert.equal(parseQuery(reply(query('x'), 'NOERROR')), undefined)
  const two = dnsPacket.encode({
    type: 'query',
    id: 1,
    questions: [
      { type: 'A', name: 'a' },
      { type: 'A', name: 'b' },
    ],
  })
  assert.equal(parseQuery(two), undefined)
})
