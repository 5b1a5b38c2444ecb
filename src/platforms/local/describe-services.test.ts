import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ServiceSpec } from '../../experiment/model.js'
import { describeServices, shellQuote } from './describe-services.js'

const base: Omit<ServiceSpec, 'name' | 'ports' | 'replicas' | 'args'> = {
  command: 'node',
  env: {},
  cwd: '/srv/app',
  restart: 'always',
  backoff: { initialMs: 100, maxMs: 1000 },
  gracePeriodMs: 1000,
}

describe('describeServices', () => {
  it("renders a service's host as 127.0.0.1, or leaves it when the service is on a host", () => {
    const lines = describeServices(
      [
        { ...base, name: 'db', replicas: 1, ports: {}, args: [], hosts: ['n1'] },
        { ...base, name: 'cache', replicas: 1, ports: {}, args: [] },
        {
          ...base,
          name: 'api',
          replicas: 1,
          ports: {},
          args: ['{{services.db.host}}', '{{services.cache.host}}'],
        },
      ],
      '/run'
    )
    assert.equal(lines[2], "api-0: cd /srv/app && node '{{services.db.host}}' 127.0.0.1")
  })

  it('prints one line per replica with fixed ports, auto ports and readiness', () => {
    const lines = describeServices(
      [
        { ...base, name: 'db', replicas: 1, ports: { pg: 0 }, args: ['db.js', '{{ports.pg}}'] },
        {
          ...base,
          name: 'api',
          replicas: 2,
          ports: { http: 8080 },
          args: [
            'api.js',
            '--port={{ports.http}}',
            '--db={{services.db.ports.pg}}',
            '{{services.db.replicas[0].pid}}',
          ],
          env: { DATA: '{{dataDir}}' },
          readiness: { kind: 'tcp', target: '{{ports.http}}', timeoutMs: 1000 },
        },
      ],
      '/run'
    )
    assert.deepEqual(lines, [
      'db-0: cd /srv/app && node db.js auto',
      "api-0: cd /srv/app && DATA=/run/data/api-0 node api.js --port=8080 --db=auto '{{services.db.replicas[0].pid}}'  # ready: tcp 8080",
      "api-1: cd /srv/app && DATA=/run/data/api-1 node api.js --port=8081 --db=auto '{{services.db.replicas[0].pid}}'  # ready: tcp 8081",
    ])
  })
})

describe('shellQuote', () => {
  it('quotes only when needed', () => {
    assert.equal(shellQuote('a/b-c.js'), 'a/b-c.js')
    assert.equal(shellQuote("it's here"), `'it'\\''s here'`)
  })
})
