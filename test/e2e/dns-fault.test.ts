/**
 * dns-fault through the built CLI: its example validates and dry-runs with its describe line;
 * bad input is exit 2 with one line naming the file, the line and the field, before anything
 * starts.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { runCli, workspace, type Workspace } from '../support/cli.js'

let ws: Workspace
before(() => {
  ws = workspace()
})
after(() => ws.cleanup())

const withHosts = (fault: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: dns }
spec:
  hypothesis: it holds
  system:
    networks: [{ name: lan }]
    hosts: [{ name: n1, networks: [lan] }, { name: n2, networks: [lan] }]
  steps:
    - fault: ${fault}
`

test('the example validates, and --dry-run says what the resolver will answer', async () => {
  const r = await runCli(['validate', 'examples/deeper-faults/dns-fault.yaml'])
  assert.equal(r.exitCode, 0, r.stderr)
  const dry = await runCli(['run', '--dry-run', 'examples/deeper-faults/dns-fault.yaml'])
  assert.equal(dry.exitCode, 0, dry.stderr)
  assert.match(
    dry.stdout,
    /the run's resolver answers lookups of db by hosts n1 with nxdomain, for 20s/
  )
  assert.match(dry.stdout, /resolver: DNS on each network's gateway, port 53 .*other names REFUSED/)
})

test('--dry-run of hosts without a dns-fault has no resolver line, a nested dns-fault has one', async () => {
  const plain = ws.write(
    'hosts-only.yaml',
    withHosts('{ type: network-partition, between: [[n1], [n2]], duration: 10s }')
  )
  const r = await ws.run(['run', '--dry-run', plain])
  assert.equal(r.exitCode, 0, r.stderr)
  assert.match(r.stdout, /host n1: namespace ord-<id>-n1, lo up, eth0 on lan \(veth\)/)
  assert.doesNotMatch(r.stdout, /resolver|resolv\.conf|port 53/)
  const nested = ws.write(
    'nested.yaml',
    withHosts(`{ type: network-partition, between: [[n1], [n2]], duration: 10s }
    - parallel:
        - serial:
            - fault: { type: dns-fault, names: [n2], answer: nxdomain, duration: 1s }`)
  )
  const n = await ws.run(['run', '--dry-run', nested])
  assert.equal(n.exitCode, 0, n.stderr)
  assert.match(n.stdout, /resolver: DNS on each network's gateway, port 53/)
})

for (const [name, fault, line, message] of [
  [
    'misspelt answer',
    '{ type: dns-fault, names: [n2], answer: nxdomian, duration: 10s }',
    10,
    /answer.*must be one of nxdomain, servfail, timeout, address \(did you mean 'nxdomain'\?\)/,
  ],
  [
    'probability above 1',
    '{ type: dns-fault, names: [n2], answer: servfail, probability: 2, duration: 10s }',
    10,
    /probability.*must be above 0 and at most 1/,
  ],
  [
    'negative probability',
    '{ type: dns-fault, names: [n2], answer: servfail, probability: -0.5, duration: 10s }',
    10,
    /probability.*must be above 0 and at most 1/,
  ],
  [
    'bad address',
    '{ type: dns-fault, names: [n2], answer: address, address: 300.1.1.1, duration: 10s }',
    10,
    /address.*must be an IPv4 address/,
  ],
  [
    'address answer without an address',
    '{ type: dns-fault, names: [n2], answer: address, duration: 10s }',
    10,
    /address.*is required with answer 'address'/,
  ],
  [
    'unknown host',
    '{ type: dns-fault, hosts: [n3], names: [n2], answer: nxdomain, duration: 10s }',
    10,
    /hosts.*no host named 'n3' in spec.system.hosts/,
  ],
] as const) {
  test(`bad input, ${name}: exit 2, one line with file, line and field`, async () => {
    const file = ws.write(`${name.replaceAll(' ', '-')}.yaml`, withHosts(fault))
    for (const args of [
      ['validate', file],
      ['run', file],
    ]) {
      const r = await ws.run(args)
      assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
      const lines = r.stderr.trim().split('\n')
      assert.equal(lines.length, 1, r.stderr)
      assert.ok(lines[0]!.includes(`${path.basename(file)}:${line}`), r.stderr)
      assert.match(lines[0]!, message)
    }
    assert.equal(existsSync(path.join(ws.stateDir, 'runs')), false, 'nothing started')
  })
}

test('a dns-fault in a manifest without hosts: exit 2, one line', async () => {
  const file = ws.write(
    'no-hosts.yaml',
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: dns }
spec:
  hypothesis: it holds
  steps:
    - fault: { type: dns-fault, names: [db], answer: nxdomain, duration: 10s }
`
  )
  const r = await ws.run(['validate', file])
  assert.equal(r.exitCode, 2, r.stdout)
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, /no-hosts\.yaml:7.*dns-fault acts on lookups made on spec\.system\.hosts/)
})
