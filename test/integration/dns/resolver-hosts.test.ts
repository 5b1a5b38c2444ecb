/**
 * The run's resolver and dns-fault on real hosts (network namespaces; needs root): real
 * resolver clients inside a host, glibc's (`getent hosts`) and Node's `dns.lookup`, see the
 * run's names, each fault answer while the fault is active, and the normal answer after its
 * revert. Nothing is mocked: the fixture's LocalNetwork, the resolver the runner starts, the
 * fault's real driver, a real ledger.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { NetworkFixture } from '../network/helpers.js'
import { startRunResolver, type RunResolverHandle } from '../../../src/dns/run-resolver.js'
import { hostConfigDir, resolvConfPath } from '../../../src/dns/host-config.js'
import { runArgv } from '../../../src/safety/exec.js'

const fixture = new NetworkFixture(['lan'], { n1: ['lan'], n2: ['lan'], n3: ['lan'] })
let dns: RunResolverHandle

before(async () => {
  await fixture.create()
  // What the runner does between creating the hosts and starting services on them.
  dns = (await startRunResolver({
    runId: fixture.runId,
    ledger: fixture.ledger,
    deadline: Date.now() + 600_000,
    topology: fixture.topology,
    services: [{ name: 'db', hosts: ['n3'] }],
  }))!
})
after(async () => {
  await dns?.stop()
  await fixture.destroy()
})

const gateway = () => fixture.topology.networks[0]!.gateway
const address = (host: string) => fixture.host(host).interfaces[0]!.address

/** `getent hosts NAME` inside host `from`: glibc's resolver, reading the bind-mounted file. */
async function getent(
  from: string,
  name: string
): Promise<{ code: number; address?: string; ms: number }> {
  const started = Date.now()
  const r = await runArgv([
    'ip',
    'netns',
    'exec',
    fixture.host(from).namespace,
    'getent',
    'hosts',
    name,
  ])
  const first = r.stdout.trim().split(/\s+/)[0]
  return { code: r.code, ...(first ? { address: first } : {}), ms: Date.now() - started }
}

/** Node's dns.lookup (getaddrinfo) inside host `from`: the address, or the error code. */
function nodeLookup(from: string, name: string): Promise<string> {
  return fixture.inHost(
    from,
    `require('node:dns').lookup(process.argv[1], { family: 4 }, (e, a) => console.log(e ? e.code : a))`,
    [name]
  )
}

test("ip netns exec shows each host the run's resolv.conf, naming its gateway", async () => {
  for (const host of ['n1', 'n2', 'n3']) {
    const ns = fixture.host(host).namespace
    const seen = await runArgv(['ip', 'netns', 'exec', ns, 'cat', '/etc/resolv.conf'])
    assert.equal(seen.stdout, readFileSync(resolvConfPath(ns), 'utf8'))
    assert.match(seen.stdout, new RegExp(`^nameserver ${gateway().replaceAll('.', '\\.')}$`, 'm'))
  }
})

test("a host resolves another host's name and a service's name, with glibc and with Node", async () => {
  const got = await getent('n1', 'n2')
  assert.deepEqual([got.code, got.address], [0, address('n2')])
  assert.equal((await getent('n2', 'db')).address, address('n3'))
  assert.equal(await nodeLookup('n1', 'n2'), address('n2'))
  assert.equal(await nodeLookup('n1', 'db'), address('n3'))
})

test("a name that is not the run's fails at once (REFUSED): nothing is relayed off the machine", async () => {
  const got = await getent('n1', 'example.com')
  assert.equal(got.code, 2)
  assert.ok(got.ms < 1_500, `lookup took ${got.ms} ms`)
})

for (const [answer, extra, expectGetent, expectNode] of [
  ['nxdomain', {}, { code: 2 }, 'ENOTFOUND'],
  ['servfail', {}, { code: 2 }, 'EAI_AGAIN'],
  ['address', { address: '198.18.255.77' }, { code: 0, address: '198.18.255.77' }, '198.18.255.77'],
] as const) {
  test(`dns-fault ${answer}: lookups of the name fail or mislead while active, are right after revert`, async () => {
    const injection = await fixture.inject({
      type: 'dns-fault',
      names: ['n2'],
      answer,
      ...extra,
      duration: '1m',
    } as never)
    try {
      const got = await getent('n1', 'n2')
      assert.deepEqual(
        { code: got.code, ...(got.address ? { address: got.address } : {}) },
        expectGetent
      )
      assert.equal(await nodeLookup('n1', 'n2'), expectNode)
      // Other names are untouched.
      assert.equal((await getent('n1', 'n3')).address, address('n3'))
    } finally {
      await injection.revert()
    }
    assert.equal((await getent('n1', 'n2')).address, address('n2'))
    assert.equal(await nodeLookup('n1', 'n2'), address('n2'))
    assert.deepEqual(
      fixture.ledger.pending().filter((e) => e.faultId === 'f-dns-fault'),
      [],
      "the fault's ledger entry is marked undone"
    )
  })
}

test('dns-fault timeout: the lookup times out within the resolv.conf bound; right again after', async () => {
  const injection = await fixture.inject({
    type: 'dns-fault',
    names: ['n*'],
    answer: 'timeout',
    duration: '1m',
  } as never)
  try {
    const got = await getent('n1', 'n2')
    assert.equal(got.code, 2)
    // `options timeout:2 attempts:1`: about 2 s, never glibc's default 5 s × 2.
    assert.ok(got.ms >= 1_500 && got.ms < 6_000, `lookup took ${got.ms} ms`)
  } finally {
    await injection.revert()
  }
  assert.equal((await getent('n1', 'n2')).address, address('n2'))
})

test('dns-fault hosts: only the named hosts get the faulted answer', async () => {
  const injection = await fixture.inject({
    type: 'dns-fault',
    hosts: ['n1'],
    names: ['*'],
    answer: 'nxdomain',
    duration: '1m',
  } as never)
  try {
    assert.equal((await getent('n1', 'n3')).code, 2)
    assert.equal((await getent('n2', 'n3')).address, address('n3'))
  } finally {
    await injection.revert()
  }
})

test('a second run at the same time has its own namespaces, files and resolver', async () => {
  const other = new NetworkFixture(['lan'], { n1: ['lan'], n2: ['lan'] })
  await other.create()
  const otherDns = (await startRunResolver({
    runId: other.runId,
    ledger: other.ledger,
    deadline: Date.now() + 600_000,
    topology: other.topology,
    services: [],
  }))!
  try {
    const mine = fixture.topology.hosts.map((h) => resolvConfPath(h.namespace))
    const theirs = other.topology.hosts.map((h) => resolvConfPath(h.namespace))
    assert.deepEqual(
      mine.filter((f) => theirs.includes(f)),
      []
    )
    const n2 = other.host('n2').interfaces[0]!.address
    const r = await runArgv([
      'ip',
      'netns',
      'exec',
      other.host('n1').namespace,
      'getent',
      'hosts',
      'n2',
    ])
    assert.equal(r.stdout.trim().split(/\s+/)[0], n2)
    assert.notEqual(n2, address('n2'))
  } finally {
    await otherDns.stop()
    await other.destroy()
  }
  for (const h of other.topology.hosts) {
    assert.equal(existsSync(hostConfigDir(h.namespace)), false)
  }
})

test('stop removes every host file and directory and closes port 53', async () => {
  // Last test: stops the resolver the others used (after() then finds it stopped).
  await dns.stop()
  for (const h of fixture.topology.hosts) {
    assert.equal(existsSync(hostConfigDir(h.namespace)), false, hostConfigDir(h.namespace))
  }
  const sockets = await runArgv(['ss', '-Hlntu'])
  assert.ok(!sockets.stdout.includes(`${gateway()}:53`), sockets.stdout)
  assert.deepEqual(
    fixture.ledger.pending().filter((e) => e.faultId === 'system' && /netns/.test(e.undo.label)),
    []
  )
})
