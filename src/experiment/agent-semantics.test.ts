import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadExperimentText } from './load.js'
import { ManifestError, type ManifestIssue } from './errors.js'

/** A valid two-host manifest: api on a, db on b, a partition a|b, a probe and a load from a. */
const TWO_HOSTS = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: two-hosts }
spec:
  hypothesis: api answers while cut off its db
  system:
    agents:
      - { name: a, labels: { zone: eu } }
      - { name: b }
    services:
      - name: db
        agent: b
        command: node
        ports: { pg: 0 }
      - name: api
        agent: a
        command: node
        ports: { http: 0 }
        env: { DB: '{{services.db.host}}:{{services.db.ports.pg}}' }
  probes:
    - { name: up, type: http, mode: Continuous, agent: a, url: 'http://{{services.api.host}}:{{services.api.ports.http}}/' }
  steps:
    - fault: { type: network-partition, between: [[agent:a], [agent:b]], duration: 3s }
    - fault: { type: process-kill, target: { service: db }, duration: 1s }
    - fault: { type: cpu-stress, agent: b, workers: 1, duration: 1s }
    - name: traffic
      agent: a
      load: { url: 'http://{{services.api.host}}:{{services.api.ports.http}}/', rate: 1, duration: 1s }
`

function issues(text: string): ManifestIssue[] {
  try {
    loadExperimentText(text, 'x.yaml', { env: {} })
  } catch (error) {
    if (error instanceof ManifestError) {
      return error.issues
    }
    throw error
  }
  return []
}

/** The one issue the manifest has: `path: message`, with its line. */
function only(text: string): { at: string; line: number } {
  const found = issues(text)
  assert.equal(found.length, 1, found.map((i) => `${i.path}: ${i.message}`).join('\n'))
  return { at: `${found[0]!.path}: ${found[0]!.message}`, line: found[0]!.line }
}

test('a two-host manifest loads and resolves every agent field', () => {
  const e = loadExperimentText(TWO_HOSTS, 'x.yaml', { env: {} })
  assert.deepEqual(e.system.agents, [
    { name: 'a', labels: { zone: 'eu' } },
    { name: 'b', labels: {} },
  ])
  assert.deepEqual(
    e.system.services.map((s) => [s.name, s.agent]),
    [
      ['db', 'b'],
      ['api', 'a'],
    ]
  )
  assert.equal(e.root.probes[0]!.agent, 'a')
  const [partition, kill, cpu, load] = e.root.kind === 'serial' ? e.root.children : []
  assert.equal(partition?.kind === 'fault' && partition.fault.agent, undefined)
  assert.equal(kill?.kind === 'fault' && kill.fault.agent, undefined)
  assert.equal(cpu?.kind === 'fault' && cpu.fault.agent, 'b')
  assert.equal(load?.kind === 'load' && load.agent, 'a')
})

test('a one-host manifest resolves to no agents', () => {
  const one = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: one }
spec:
  hypothesis: h
  steps: [{ wait: 1s }]
`
  assert.deepEqual(loadExperimentText(one, 'x.yaml', { env: {} }).system.agents, [])
})

test('an undeclared agent gets a did-you-mean over the declared ones, with its line', () => {
  const { at, line } = only(
    TWO_HOSTS.replace('agent: b\n        command', 'agent: bb\n        command')
  )
  assert.equal(
    at,
    "spec.system.services[0].agent: no agent named 'bb' in spec.system.agents (did you mean 'b'?)"
  )
  assert.equal(line, 12)
  assert.equal(
    only(TWO_HOSTS.replace('agent: a, url', 'agent: c, url')).at,
    "spec.probes[0].agent: no agent named 'c' in spec.system.agents (did you mean 'a'?)"
  )
  assert.equal(
    only(TWO_HOSTS.replace('cpu-stress, agent: b', 'cpu-stress, agent: bee')).at,
    "spec.steps[2].fault.agent: no agent named 'bee' in spec.system.agents (did you mean 'b'?)"
  )
  assert.equal(
    only(TWO_HOSTS.replace('[agent:b]]', '[agent:c]]')).at,
    "spec.steps[0].fault.between[1][0]: no agent named 'c' in spec.system.agents (did you mean 'a'?)"
  )
})

test('agent: without spec.system.agents says the list is not set', () => {
  const text = TWO_HOSTS.replace(/ {4}agents:\n.*\n.*\n/, '')
  const found = issues(text).filter((i) => i.message.includes('spec.system.agents is not set'))
  assert.deepEqual(
    found.map((i) => i.path),
    [
      'spec.system.services[0].agent',
      'spec.system.services[1].agent',
      'spec.probes[0].agent',
      'spec.steps[0].fault.between[0][0]',
      'spec.steps[0].fault.between[1][0]',
      'spec.steps[2].fault.agent',
      'spec.steps[3].agent',
    ]
  )
  assert.match(found[0]!.message, /^names logical agent 'b', but spec.system.agents is not set/)
})

test('with agents declared, services, probes, load steps and faults must say where they run', () => {
  assert.equal(
    only(TWO_HOSTS.replace('agent: b\n        command', 'command')).at,
    "spec.system.services[0]: needs 'agent' (one of a, b): spec.system.agents is set, so every service says which host it runs on"
  )
  assert.equal(
    only(TWO_HOSTS.replace(', agent: a, url', ', url')).at,
    "spec.probes[0]: needs 'agent' (one of a, b): spec.system.agents is set, so every probe says which host it runs on"
  )
  assert.equal(
    only(TWO_HOSTS.replace('      agent: a\n      load', '      load')).at,
    "spec.steps[3]: needs 'agent' (one of a, b): spec.system.agents is set, so every load step says which host it runs on"
  )
  assert.equal(
    only(TWO_HOSTS.replace('cpu-stress, agent: b,', 'cpu-stress,')).at,
    "spec.steps[2].fault: needs 'agent' (one of a, b): spec.system.agents is set, and only a fault on a service runs on that service's agent"
  )
})

test('a fault on a service runs on that service’s agent, not another', () => {
  assert.equal(
    only(TWO_HOSTS.replace('process-kill, target', 'process-kill, agent: a, target')).at,
    "spec.steps[1].fault.agent: is 'a', but service 'db' runs on agent 'b'; a fault on a service runs on its agent (leave 'agent' out)"
  )
  assert.deepEqual(
    issues(TWO_HOSTS.replace('process-kill, target', 'process-kill, agent: b, target')),
    []
  )
})

test('partition groups are agent: names, declared, each in one group, with no fault.agent', () => {
  assert.equal(
    only(TWO_HOSTS.replace('[[agent:a], [agent:b]]', '[[agent:a], [agent:b, n1]]')).at,
    "spec.steps[0].fault.between[1][1]: 'n1' is not an agent:NAME group member; a partition names either agent: hosts or spec.system.hosts names, not both"
  )
  assert.equal(
    only(TWO_HOSTS.replace('[[agent:a], [agent:b]]', '[[agent:a], [agent:b, agent:a]]')).at,
    "spec.steps[0].fault.between[1][1]: agent 'a' is in more than one group"
  )
  assert.equal(
    only(TWO_HOSTS.replace('[[agent:a], [agent:b]]', '[[n1], [n2]]')).at,
    'spec.steps[0].fault.type: network-partition acts on spec.system.hosts, which a multi-host experiment (spec.system.agents) does not support yet; a cross-host partition names agent: groups (between: [[agent:a], ...])'
  )
  assert.equal(
    only(
      TWO_HOSTS.replace(
        'between: [[agent:a], [agent:b]]',
        'agent: a, between: [[agent:a], [agent:b]]'
      )
    ).at,
    "spec.steps[0].fault.agent: a partition of agent: groups is carried out by every agent it names; leave 'agent' out"
  )
  assert.equal(
    only(TWO_HOSTS.replace('[[agent:a], [agent:b]]', '[[agent:a]]')).at,
    'spec.steps[0].fault.between: needs at least two groups'
  )
})

test('what a multi-host run cannot do yet is refused, naming the field', () => {
  const add = (section: string) => TWO_HOSTS.replace('  system:\n', `  system:\n${section}`)
  assert.equal(
    only(add('    networks: [{ name: n }]\n')).at,
    'spec.system.networks: spec.system.networks is not supported in a multi-host experiment (spec.system.agents) yet'
  )
  assert.equal(
    only(add('    attach: [{ name: x, pid: 1 }]\n')).at,
    'spec.system.attach: spec.system.attach is not supported in a multi-host experiment (spec.system.agents) yet'
  )
  assert.equal(
    only(add("    proxies: [{ name: p, upstream: '127.0.0.1:1' }]\n")).at,
    'spec.system.proxies: spec.system.proxies is not supported in a multi-host experiment (spec.system.agents) yet'
  )
  assert.equal(
    issues(
      TWO_HOSTS +
        '  checks: [{ name: c, type: set, load: traffic, source: { http: { url: "http://127.0.0.1:1/" } } }]\n'
    ).find((i) => i.path === 'spec.checks')?.message,
    'spec.checks is not supported in a multi-host experiment (spec.system.agents) yet'
  )
  const hosted = issues(
    add('    networks: [{ name: n }]\n    hosts: [{ name: h, networks: [n] }]\n').replace(
      'agent: b\n        command',
      'agent: b\n        host: h\n        command'
    )
  ).map((i) => `${i.path}: ${i.message}`)
  assert.ok(
    hosted.includes(
      'spec.system.hosts: spec.system.hosts is not supported in a multi-host experiment (spec.system.agents) yet'
    ),
    hosted.join('\n')
  )
  assert.ok(
    hosted.includes(
      "spec.system.services[0].host: a service's 'host' is not supported in a multi-host experiment (spec.system.agents) yet: it runs on its agent's host"
    ),
    hosted.join('\n')
  )
})

test('agent: on a step that is not a load step, duplicate agents, bad names', () => {
  assert.equal(
    only(TWO_HOSTS.replace('  steps:\n', '  steps:\n    - { wait: 1s, agent: a }\n')).at,
    "spec.steps[0].agent: is for load steps only: a fault says where it runs with fault.agent, a probe with its own 'agent'"
  )
  assert.equal(
    only(TWO_HOSTS.replace('- { name: b }', '- { name: b }\n      - { name: a }')).at,
    "spec.system.agents[2].name: duplicate agent 'a'"
  )
  assert.equal(
    issues(TWO_HOSTS.replace('- { name: b }', '- { name: B_1 }')).find(
      (i) => i.path === 'spec.system.agents[1].name'
    )?.message,
    'must be a logical agent name: lowercase letters, digits and dashes (at most 63)'
  )
})

test("{{services.S.host}} is a value with agents declared, and without them (127.0.0.1 or the service's host address)", () => {
  assert.deepEqual(issues(TWO_HOSTS), [])
  const one = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: one }
spec:
  hypothesis: h
  system:
    services: [{ name: api, command: node, ports: { http: 0 } }]
  probes:
    - { name: up, type: http, mode: SOT, url: 'http://{{services.api.host}}/' }
  steps: [{ wait: 1s }]
`
  assert.deepEqual(issues(one), [])
})
