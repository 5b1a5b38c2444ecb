/**
 * v2 delivery service: manual acks, sent only AFTER the delivery is written to the database, so
 * a message is never forgotten before it is processed; a bounded prefetch; reconnection to any
 * surviving node. A message whose ack was lost with its connection is delivered again: the
 * order update is idempotent, and the extra `deliveries` row shows the duplicate.
 * Env: AMQP_URLS (every node), DATA_DIR or DATABASE_URL, QUEUE, PREFETCH.
 * @module
 */
import type { Channel, ConsumeMessage } from 'amqplib'
import { readConfig } from '../config.js'
import { openStore } from '../db/open.js'
import type { OrderStore } from '../db/store.js'
import { AmqpLink, dropWhenClosed } from '../amqp/link.js'
import { kQuorumQueue, orderIdOf } from '../amqp/queues.js'
import { exitOnError, onShutdown } from '../lifecycle.js'
import { errorMessage, logger } from '../log.js'

const log = logger('delivery-v2')

async function main(): Promise<void> {
  const config = readConfig()
  const store = await openStore()
  const link = new AmqpLink({
    urls: config.amqpUrls,
    log,
    async setup(connection, drop) {
      const channel = await connection.createChannel()
      dropWhenClosed(channel, drop)
      await channel.prefetch(config.prefetch)
      await channel.assertQueue(config.queue, kQuorumQueue)
      await channel.consume(config.queue, (message) => {
        if (message === null) {
          drop('the broker cancelled the consumer')
          return
        }
        void deliver(store, channel, message)
      })
    },
  })
  link.start()
  onShutdown(log, async () => {
    await link.stop()
    await store.close()
  })
}

async function deliver(store: OrderStore, channel: Channel, message: ConsumeMessage) {
  const id = orderIdOf(message.content)
  try {
    if (id !== undefined) {
      await store.recordDelivery(id)
    } else {
      log(`discarding a message that is not an order: ${message.content.toString('utf8', 0, 80)}`)
    }
  } catch (error) {
    // Not written: leave it unacknowledged. The broker redelivers it on the next connection.
    log(`order ${id} not recorded (${errorMessage(error)}); it will be redelivered`)
    return
  }
  try {
    channel.ack(message)
  } catch {
    // The channel died between the write and the ack: the broker redelivers, and the
    // second delivery is recorded as a duplicate. At-least-once, never lost.
  }
}

main().catch(exitOnError(log))
