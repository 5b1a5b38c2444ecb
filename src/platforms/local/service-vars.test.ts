import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ServiceSpec } from '../../experiment/model.js'
import {
  dataDirFor,
  renderLaunch,
  replicaTemplateVars,
  servicesTemplateVars,
  withRemoteServices,
  type ReplicaLayout,
} from './service-vars.js'

const spec: ServiceSpec = {
  name: 'api',
  command: 'node',
  args: [
    'server.js',
    '--port',
    '{{ports.http}}',
    '--db',
    '{{services.db.ports.pg}}',
    '--id={{name}}-{{replica}}',
  ],
  env: { DATA: '{{dataDir}}', PEER: '127.0.0.1:{{services.api.replicas[1].ports.http}}' },
  cwd: '/srv/app',
  replicas: 2,
  ports: { http: 0 },
  readiness: { kind: 'http', target: 'http://127.0.0.1:{{ports.http}}/health', timeoutMs: 1000 },
  restart: 'always',
  backoff: { initialMs: 100, maxMs: 1000 },
  gracePeriodMs: 1000,
}

const layouts = new Map<string, ReplicaLayout[]>([
  [
    'api',
    [
      { index: 0, ports: { http: 4000 }, dataDir: '/run/data/api-0', pid: 11 },
      { index: 1, ports: { http: 4001 }, dataDir: '/run/data/api-1' },
    ],
  ],
  ['db', [{ index: 0, ports: { pg: 5432 }, dataDir: '/run/data/db-0', pid: 7 }]],
])

describe('servicesTemplateVars', () => {
  it('exposes replica 0 at the top and every replica in a list', () => {
    assert.deepEqual(servicesTemplateVars(layouts), {
      api: {
        host: '127.0.0.1',
        ports: { http: 4000 },
        dataDir: '/run/data/api-0',
        replicas: [
          {
            index: 0,
            host: '127.0.0.1',
            ports: { http: 4000 },
            dataDir: '/run/data/api-0',
            pid: 11,
          },
          { index: 1, host: '127.0.0.1', ports: { http: 4001 }, dataDir: '/run/data/api-1' },
        ],
      },
      db: {
        host: '127.0.0.1',
        ports: { pg: 5432 },
        dataDir: '/run/data/db-0',
        replicas: [
          { index: 0, host: '127.0.0.1', ports: { pg: 5432 }, dataDir: '/run/data/db-0', pid: 7 },
        ],
      },
    })
  })

  it("gives each replica its host's address, replica 0's at the top", () => {
    const placed = new Map([
      [
        'api',
        [
          { index: 0, ports: { http: 80 }, dataDir: '/d/api-0', host: '198.18.0.2' },
          { index: 1, ports: { http: 80 }, dataDir: '/d/api-1', host: '198.18.0.3' },
        ],
      ],
    ])
    const vars = servicesTemplateVars(placed) as {
      api: { host: string; replicas: { host: string }[] }
    }
    assert.equal(vars.api.host, '198.18.0.2')
    assert.deepEqual(
      vars.api.replicas.map((r) => r.host),
      ['198.18.0.2', '198.18.0.3']
    )
  })
})

describe('withRemoteServices', () => {
  it("adds the other hosts' services for templates; this host's own win", () => {
    const own = servicesTemplateVars(
      new Map([['api', [{ index: 0, ports: { http: 80 }, dataDir: '/d', host: '198.18.0.2' }]]])
    )
    const remote = {
      db: { host: '198.18.0.3', ports: { pg: 5432 }, dataDir: '/r', replicas: [] },
      api: { host: 'stale', ports: {}, dataDir: '', replicas: [] },
    }
    const merged = withRemoteServices(own, remote)
    assert.deepEqual(Object.keys(merged).sort(), ['api', 'db'])
    assert.equal((merged['api'] as { host: string }).host, '198.18.0.2')
    const vars = replicaTemplateVars(
      'api',
      { index: 0, ports: { http: 80 }, dataDir: '/d' },
      merged
    )
    const launch = renderLaunch(
      { ...spec, args: ['{{services.db.host}}:{{services.db.ports.pg}}'], env: {} },
      vars
    )
    assert.deepEqual(launch.args, ['198.18.0.3:5432'])
  })
})

describe('renderLaunch', () => {
  it('renders args, env, cwd and readiness with the replica and all services', () => {
    const all = servicesTemplateVars(layouts)
    const vars = replicaTemplateVars('api', layouts.get('api')![1]!, all)
    const launch = renderLaunch(spec, vars)
    assert.deepEqual(launch.args, ['server.js', '--port', '4001', '--db', '5432', '--id=api-1'])
    assert.deepEqual(launch.env, { DATA: '/run/data/api-1', PEER: '127.0.0.1:4001' })
    assert.equal(launch.cwd, '/srv/app')
    assert.equal(launch.readiness?.target, 'http://127.0.0.1:4001/health')
    assert.equal(launch.readiness?.timeoutMs, 1000)
  })

  it('names the field holding an unknown variable', () => {
    const vars = replicaTemplateVars('api', layouts.get('api')![0]!, {})
    assert.throws(
      () => renderLaunch(spec, vars),
      /args\[4\]: unknown template variable \{\{services\.db\.ports\.pg\}\}/
    )
  })
})

describe('dataDirFor', () => {
  it('is absolute and per replica', () => {
    assert.equal(dataDirFor('/tmp/run', 'api', 2), '/tmp/run/data/api-2')
    assert.ok(dataDirFor('rel', 'api', 0).startsWith('/'))
  })
})
