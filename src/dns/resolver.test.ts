/**
 * The resolver over real sockets on loopback (a free port): what a client gets
 * back over UDP and TCP, and what a rule changes while it is in place.
 */
import assert from 'node:assert/strict'
import dgram from 'node:dgram'
import net from 'node:net'
import { after, before, test } from 'node:test'
import dnsPacket from 'dns-packet'
import { planTopology } from '../platforms/local/network/topology.js'
import { RunResolver } from './resolver.js'
import { DnsRule } from './rules.js'
import { RunNames } from './run-names.js'

const topology = planTopology(
  'cd34',
  [{ name: 'lan' }],
  [
    { name: 'n1', networks: ['lan'] },
    { name: 'n2', networks: ['lan'] },
  ],
  [5]
)
let port = 0
let resolver: RunResolver

before(async () => {
  // A port free for UDP and TCP alike: take one from TCP, then the resolver binds both.
  port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port
      s.close(() => resolve(p))
    })
  })
  resolver = new RunResolver(new RunNames(topology, [{ name: 'db', hosts: ['n2'] }]), { port })
  await resolver.listen(['127.0.0.1'])
})
after(() => resolver.close())

type Reply = dnsPacket.DecodedPacket & { rcode: string }

function udpQuery(
  name: string,
  type: 'A' | 'AAAA' = 'A',
  waitMs = 2_000
): Promise<Reply | 'timeout'> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4')
    const timer = setTimeout(() => (socket.close(), resolve('timeout')), waitMs)
    socket.on('message', (message) => {
      clearTimeout(timer)
      socket.close()
      resolve(dnsPacket.decode(message) as Reply)
    })
    socket.send(
      dnsPacket.encode({ type: 'query', id: 7, questions: [{ type, name }] }),
      port,
      '127.0.0.1'
    )
  })
}

function tcpQuery(name: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let buffered = Buffer.alloc(0)
    socket.on('error', reject)
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        socket.destroy()
        resolve(dnsPacket.streamDecode(buffered) as Reply)
      }
    })
    socket.write(dnsPacket.streamEncode({ type: 'query', id: 8, questions: [{ type: 'A', name }] }))
  })
}

const addresses = (r: Reply | 'timeout') =>
  r === 'timeout'
    ? 'timeout'
    : [r.rcode, ...(r.answers ?? []).map((a) => (a as { data: string }).data)]

test("the run's names over UDP and TCP; every other name REFUSED (never relayed)", async () => {
  assert.deepEqual(addresses(await udpQuery('n2')), ['NOERROR', '198.18.5.2'])
  assert.deepEqual(addresses(await udpQuery('db')), ['NOERROR', '198.18.5.2'])
  assert.deepEqual(addresses(await udpQuery('n2', 'AAAA')), ['NOERROR'])
  assert.deepEqual(addresses(await tcpQuery('n1')), ['NOERROR', '198.18.5.1'])
  assert.deepEqual(addresses(await udpQuery('example.com')), ['REFUSED'])
  assert.deepEqual(addresses(await udpQuery('example.com', 'AAAA')), ['REFUSED'])
  assert.deepEqual(addresses(await tcpQuery('localhost')), ['REFUSED'])
})

test('a rule answers while it is in place; removing it restores the normal answer', async () => {
  const rules = [
    new DnsRule({ names: ['n2'], answer: 'nxdomain', probability: 1 }),
    new DnsRule({ names: ['n2'], answer: 'servfail', probability: 1 }),
    new DnsRule({ names: ['n2'], answer: 'address', address: '198.18.9.9', probability: 1 }),
  ]
  const expected = [['NXDOMAIN'], ['SERVFAIL'], ['NOERROR', '198.18.9.9']]
  for (const [i, rule] of rules.entries()) {
    resolver.addRule(rule)
    assert.deepEqual(addresses(await udpQuery('n2')), expected[i])
    assert.deepEqual(addresses(await tcpQuery('n2')), expected[i])
    assert.deepEqual(addresses(await udpQuery('n1')), ['NOERROR', '198.18.5.1'])
    resolver.removeRule(rule)
    assert.equal(rule.faulted, 2)
  }
  assert.deepEqual(addresses(await udpQuery('n2')), ['NOERROR', '198.18.5.2'])
})

test('timeout: the resolver stays silent', async () => {
  const rule = new DnsRule({ names: ['db'], answer: 'timeout', probability: 1 })
  resolver.addRule(rule)
  assert.equal(await udpQuery('db', 'A', 300), 'timeout')
  resolver.removeRule(rule)
  assert.equal(rule.faulted, 1)
  assert.deepEqual(addresses(await udpQuery('db')), ['NOERROR', '198.18.5.2'])
})

test('a rule for some hosts leaves lookups from elsewhere (here: loopback) alone', async () => {
  const rule = new DnsRule({ hosts: ['n1'], names: ['*'], answer: 'nxdomain', probability: 1 })
  resolver.addRule(rule)
  assert.deepEqual(addresses(await udpQuery('n2')), ['NOERROR', '198.18.5.2'])
  resolver.removeRule(rule)
  assert.equal(rule.faulted, 0)
})

test('an answer too big for a UDP datagram is truncated over UDP and whole over TCP', async () => {
  const many = planTopology(
    'ef56',
    [{ name: 'lan' }],
    Array.from({ length: 40 }, (_, i) => ({ name: `h${i}`, networks: ['lan'] })),
    [6]
  )
  const wide = new RunResolver(
    new RunNames(many, [{ name: 'wide', hosts: many.hosts.map((h) => h.name) }])
  )
  const query = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'wide' }] })
  const udp = dnsPacket.decode(wide.answer(query, '127.0.0.1', true)!)
  assert.equal(udp.flag_tc, true)
  assert.deepEqual(udp.answers, [])
  const tcp = dnsPacket.decode(wide.answer(query, '127.0.0.1')!)
  assert.equal(tcp.flag_tc, false)
  assert.equal(tcp.answers?.length, 40)
})
