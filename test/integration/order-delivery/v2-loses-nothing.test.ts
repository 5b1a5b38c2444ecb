/**
 * v2 on a real three-node RabbitMQ cluster: transactional outbox, publisher confirms,
 * persistent messages on a quorum queue, manual acks after the write, failover between nodes.
 * Killing the node both clients are connected to (and which leads the queue) loses nothing;
 * duplicates are allowed and reported.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { driveOrders, drain } from './orders.js'
import { RabbitSystem } from './rabbit-system.js'

describe('v2 (outbox + quorum queue, three nodes)', { timeout: 240_000 }, () => {
  let system: RabbitSystem

  before(async () => {
    system = await RabbitSystem.start({ nodes: 3, app: 'v2' })
  })
  after(() => system?.teardown())

  test('delivers every acknowledged order when a broker node is killed', async (t) => {
    let killed = 0
    // Node 0 is the first URL of both clients and declared the queue, so it holds their
    // connections and the queue's leader: the worst node to lose.
    const queues = JSON.parse(
      await system.ctl(0, ['list_queues', 'name', 'leader', '--formatter', 'json'])
    ) as { name: string; leader: string }[]
    t.diagnostic(
      `leader of 'orders' before the kill: ${queues.find((q) => q.name === 'orders')?.leader}`
    )
    const history = await driveOrders(system.orderUrl, {
      rate: 20,
      durationMs: 12_000,
      at: { ms: 3000, run: () => (killed = system.killNode(0)) },
    })
    await system.recreated(0, killed)
    const result = await drain(system.dbFile, history, { timeoutMs: 60_000, quietMs: 20_000 })
    for (const line of system.clientEvents()) {
      t.diagnostic(line)
    }
    t.diagnostic(
      `attempted ${history.attempted}, acknowledged ${result.acknowledged}, ` +
        `delivered ${result.delivered}, lost ${result.lost.length}, duplicated ${result.duplicated}`
    )
    const survivors = [system.amqpUrl(1), system.amqpUrl(2)]
    for (const client of ['outbox-relay', 'delivery-v2']) {
      const failedOver = system
        .clientEvents()
        .some(
          (line) =>
            line.includes(`${client}: connected to`) && survivors.some((url) => line.endsWith(url))
        )
      assert.ok(failedOver, `${client} failed over to a surviving node`)
    }
    assert.equal(history.failed, 0, 'every order was acknowledged')
    assert.deepEqual(result.lost, [], 'no acknowledged order was lost')
  })
})
