import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assignPorts, type PortOwner } from './ports.js'

const replica = (label: string, index: number, ports: Record<string, number>): PortOwner => ({
  label,
  index,
  spec: { ports },
  ports: {},
})

describe('assignPorts', () => {
  it('uses base + index and picks distinct free ports for base 0', async () => {
    const replicas = [0, 1, 2].map((i) =>
      replica(`api-${i}`, i, { http: 0, admin: 0, fixed: 40100 })
    )
    await assignPorts(replicas)
    assert.deepEqual(
      replicas.map((r) => r.ports['fixed']),
      [40100, 40101, 40102]
    )
    const picked = replicas.flatMap((r) => [r.ports['http'], r.ports['admin']])
    assert.equal(new Set([...picked, 40100, 40101, 40102]).size, 9)
    // Declared order is kept, so templates and dry runs list ports the way the manifest does.
    assert.deepEqual(Object.keys(replicas[0]!.ports), ['http', 'admin', 'fixed'])
  })

  it('rejects two replicas declared on the same port', async () => {
    const replicas = [
      replica('api-0', 0, { http: 8080 }),
      replica('api-1', 1, { http: 8080 }),
      replica('web-0', 0, { http: 8081 }),
    ]
    await assert.rejects(
      assignPorts(replicas),
      /port 8081 \(http\) of web-0 is also assigned to api-1/
    )
  })
})
