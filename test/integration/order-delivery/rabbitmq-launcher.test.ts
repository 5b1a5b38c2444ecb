/**
 * The example's RabbitMQ launcher under ordeal's supervisor: one node boots and serves AMQP;
 * three nodes form one cluster on boot; a SIGKILLed node is re-created on its data dir and
 * rejoins with its quorum queue data. After each group nothing of the brokers is left.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { connect } from 'amqplib'
import { RabbitSystem } from './rabbit-system.js'

const kQuorum = { durable: true, arguments: { 'x-queue-type': 'quorum' } }

describe('one RabbitMQ node', { timeout: 120_000 }, () => {
  let system: RabbitSystem

  before(async () => {
    system = await RabbitSystem.start({ nodes: 1 })
  })
  after(() => system?.teardown())

  test('boots in the foreground and accepts AMQP on 127.0.0.1', async (t) => {
    t.diagnostic(`node boot: ${system.bootMs('rabbitmq', 0, system.pid('rabbitmq', 0))} ms`)
    const connection = await connect(system.amqpUrl(0))
    try {
      const channel = await connection.createChannel()
      const { queue } = await channel.assertQueue('', { exclusive: true })
      channel.sendToQueue(queue, Buffer.from('hello'))
      let message = await channel.get(queue, { noAck: true })
      for (let i = 0; message === false && i < 50; i++) {
        message = await channel.get(queue, { noAck: true }) // the publish is asynchronous
      }
      assert.ok(message, 'the message came back')
      assert.equal(message.content.toString(), 'hello')
    } finally {
      await connection.close()
    }
  })
})

describe('three RabbitMQ nodes', { timeout: 240_000 }, () => {
  let system: RabbitSystem

  before(async () => {
    system = await RabbitSystem.start({ nodes: 3, worldReadable: true })
  })
  after(() => system?.teardown())

  test('form one cluster on boot, without rabbitmqctl', async (t) => {
    const ready = system.journal.events.filter(
      (e) => e.type === 'service.ready' && e.service === 'rabbitmq'
    )
    const first = system.journal.events.find(
      (e) => e.type === 'service.started' && e.service === 'rabbitmq'
    )
    t.diagnostic(`cluster start: ${Math.max(...ready.map((e) => e.t)) - first!.t} ms`)
    const status = JSON.parse(await system.ctl(2, ['cluster_status', '--formatter', 'json']))
    assert.deepEqual([...status.running_nodes].sort(), [
      'ord0@localhost',
      'ord1@localhost',
      'ord2@localhost',
    ])
  })

  test('run as the rabbitmq user when it can reach the data dir', () => {
    const status = readFileSync(`/proc/${system.pid('rabbitmq', 1)}/status`, 'utf8')
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1])
    const passwd = readFileSync('/etc/passwd', 'utf8')
    const rabbitmqUid = Number(/^rabbitmq:[^:]*:(\d+):/m.exec(passwd)?.[1])
    assert.equal(uid, rabbitmqUid)
  })

  test('a quorum queue gets a member on every node', async () => {
    const connection = await connect(system.amqpUrl(0))
    try {
      const channel = await connection.createChannel()
      await channel.assertQueue('members', kQuorum)
    } finally {
      await connection.close()
    }
    assert.deepEqual(await members(system, 0, 'members'), [
      'ord0@localhost',
      'ord1@localhost',
      'ord2@localhost',
    ])
  })

  test('a SIGKILLed node is re-created on its data dir and rejoins', async (t) => {
    const connection = await connect(system.amqpUrl(0))
    try {
      const channel = await connection.createConfirmChannel()
      await channel.assertQueue('survivors', kQuorum)
      for (let i = 0; i < 100; i++) {
        channel.sendToQueue('survivors', Buffer.from(String(i)), { persistent: true })
      }
      await channel.waitForConfirms()
    } finally {
      await connection.close()
    }
    const killed = system.killNode(1)
    const ready = await system.recreated(1, killed)
    t.diagnostic(
      `node re-created and ready ${system.bootMs('rabbitmq', 1, ready.pid)} ms after launch`
    )

    const status = JSON.parse(await system.ctl(1, ['cluster_status', '--formatter', 'json']))
    assert.equal(status.running_nodes.length, 3, 'the re-created node is back in the cluster')
    assert.equal((await members(system, 1, 'survivors')).length, 3)
    const check = await connect(system.amqpUrl(1))
    try {
      const { messageCount } = await (await check.createChannel()).checkQueue('survivors')
      assert.equal(messageCount, 100, 'confirmed messages survived the kill')
    } finally {
      await check.close()
    }
  })
})

async function members(system: RabbitSystem, node: number, queue: string): Promise<string[]> {
  const rows = JSON.parse(
    await system.ctl(node, ['list_queues', 'name', 'members', '--formatter', 'json'])
  ) as { name: string; members: string[] }[]
  return [...(rows.find((row) => row.name === queue)?.members ?? [])].sort()
}
