import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { ExperimentInput } from './schema.js'
import { referenceProblem, templateIssues, templateScopes } from './template-semantics.js'

const input = {
  apiVersion: 'ordeal.dev/v1',
  kind: 'Experiment',
  metadata: { name: 't' },
  spec: {
    hypothesis: 'h',
    system: {
      services: [
        {
          name: 'front',
          command: 'node',
          ports: { http: 0 },
          replicas: 2,
          args: ['{{ports.http}}', '{{name}}-{{replica}}', '{{dataDir}}', '{{proxies.edge.port}}'],
          env: { PEER: '{{services.db.ports.pg}}' },
        },
        { name: 'db', command: 'node', ports: { pg: 0 }, host: 'a' },
      ],
      networks: [{ name: 'left' }],
      hosts: [{ name: 'a', networks: ['left'] }],
      proxies: [{ name: 'edge', upstream: '127.0.0.1:{{services.front.ports.http}}' }],
    },
    probes: [
      {
        name: 'p',
        type: 'http',
        mode: 'Continuous',
        url: 'http://{{proxies.edge.address}}/{{services.front.replicas[1].ports.http}}',
        headers: { 'x-{{hosts.a.networks.left}}': '{{hosts.a.address}}' },
      },
    ],
    steps: [
      {
        load: {
          url: 'http://127.0.0.1:{{services.front.ports.http}}/{{seq}}',
          body: '{{uuid}} {{now}}',
          rate: 1,
          duration: '1s',
        },
      },
    ],
  },
} as unknown as ExperimentInput

function withProbeUrl(url: string): ExperimentInput {
  const copy = structuredClone(input) as unknown as { spec: { probes: { url: string }[] } }
  copy.spec.probes[0]!.url = url
  return copy as unknown as ExperimentInput
}

test('every reference the runner provides is accepted, per-request and per-replica ones included', () => {
  assert.deepEqual(templateIssues(input), [])
})

test('an unknown proxy, service, port, host or network is named with a did-you-mean', () => {
  const cases: [string, RegExp][] = [
    [
      '{{proxies.egde.port}}',
      /no proxy named 'egde' in spec\.system\.proxies \(did you mean 'edge'\?\)/,
    ],
    ['{{services.frnt.ports.http}}', /no service named 'frnt'.*did you mean 'front'/],
    [
      '{{services.front.ports.htp}}',
      /service 'front' has no port named 'htp' \(did you mean 'http'\?\)/,
    ],
    ['{{services.front.replicas[2].ports.http}}', /has 2 replica\(s\): use an index from 0 to 1/],
    ['{{hosts.b.address}}', /no host named 'b'.*did you mean 'a'/],
    ['{{hosts.a.networks.rigth}}', /not on a network named 'rigth'/],
    ['{{proxies.edge.prot}}', /'proxies\.edge' has no 'prot' \(did you mean 'port'\?\)/],
    ['{{services.front.ports}}', /not a value: name one of http/],
    ['{{proxies.edge.port.x}}', /'proxies\.edge\.port' is a value/],
    ['{{seq}}', /unknown template variable 'seq'/],
    ['{{ports.http}}', /unknown template variable 'ports'/],
    [
      '{{srvices.front.ports.http}}',
      /unknown template variable 'srvices' \(did you mean 'services'\?\)/,
    ],
  ]
  for (const [url, message] of cases) {
    const issues = templateIssues(withProbeUrl(url))
    assert.equal(issues.length, 1, url)
    assert.deepEqual(issues[0]!.path, ['spec', 'probes', 0, 'url'])
    assert.ok(issues[0]!.message.startsWith(`${url}: `), issues[0]!.message)
    assert.match(issues[0]!.message, message)
  }
})

test('a service reads its own ports; another service needs the services. prefix', () => {
  const bad = structuredClone(input) as unknown as {
    spec: { system: { services: { args: string[] }[] } }
  }
  bad.spec.system.services[1]!.args = [
    '{{ports.http}}',
    '{{host.networks.left}}',
    '{{host.address}}',
  ]
  const issues = templateIssues(bad as unknown as ExperimentInput)
  assert.equal(issues.length, 1)
  assert.match(issues[0]!.message, /this service has no port named 'http' \(its ports: pg\)/)
  // front has no host: {{host...}} is not there.
  bad.spec.system.services[0]!.args = ['{{host.address}}']
  assert.match(
    templateIssues(bad as unknown as ExperimentInput)[0]!.message,
    /unknown template variable 'host'/
  )
})

test('header names are templates too', () => {
  const bad = structuredClone(input) as unknown as {
    spec: { probes: { headers: Record<string, string> }[] }
  }
  bad.spec.probes[0]!.headers = { '{{proxies.nope.port}}': 'x' }
  const issues = templateIssues(bad as unknown as ExperimentInput)
  assert.deepEqual(issues[0]!.path, ['spec', 'probes', 0, 'headers', '{{proxies.nope.port}}'])
})

test('property: a path accepted by the checker is a value; any extra segment is rejected', () => {
  const scope = templateScopes(input).load
  const accepted = [
    'seq',
    'proxies.edge.port',
    'services.front.ports.http',
    'services.front.replicas.1.dataDir',
    'hosts.a.networks.left',
  ]
  fc.assert(
    fc.property(fc.constantFrom(...accepted), fc.stringMatching(/^[a-z]{1,6}$/), (path, extra) => {
      assert.equal(referenceProblem(path, scope), undefined)
      assert.notEqual(referenceProblem(`${path}.${extra}`, scope), undefined)
    })
  )
})

test('a malformed placeholder is named rather than left in the text', () => {
  for (const url of ['http://127.0.0.1:{{proxies.edge.port}/', 'http://{{ proxies edge }}/']) {
    const issues = templateIssues(withProbeUrl(url))
    assert.equal(issues.length, 1, url)
    assert.match(issues[0]!.message, /^malformed template '\{\{/)
  }
})
