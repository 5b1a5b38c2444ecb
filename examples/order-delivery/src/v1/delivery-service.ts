/**
 * v1 delivery service: consumes with auto-ack (noAck), so the broker forgets a message as soon
 * as it is sent, and marks the order delivered. It reconnects to its one node when it comes
 * back; v1 loses orders on the publishing side and in the broker, not here.
 * Env: AMQP_URLS (the first URL is used), DATA_DIR or DATABASE_URL, QUEUE.
 * @module
 */
import { readConfig } from '../config.js'
import { openStore } from '../db/open.js'
import { AmqpLink } from '../amqp/link.js'
import { kClassicQueue, orderIdOf } from '../amqp/queues.js'
import { exitOnError, onShutdown } from '../lifecycle.js'
import { errorMessage, logger } from '../log.js'

const log = logger('delivery-v1')

async function main(): Promise<void> {
  const config = readConfig()
  const store = await openStore()
  const link = new AmqpLink({
    urls: config.amqpUrls.slice(0, 1),
    log,
    initialDelayMs: 1000,
    maxDelayMs: 1000,
    async setup(connection) {
      const channel = await connection.createChannel()
      channel.on('error', () => undefined)
      await channel.assertQueue(config.queue, kClassicQueue)
      await channel.consume(
        config.queue,
        (message) => {
          const id = message && orderIdOf(message.content)
          if (id !== undefined && id !== null) {
            store.recordDelivery(id).catch((error: unknown) => {
              log(`order ${id} received but not recorded: ${errorMessage(error)}`)
            })
          }
        },
        { noAck: true }
      )
    },
  })
  link.start()
  onShutdown(log, async () => {
    await link.stop()
    await store.close()
  })
}

main().catch(exitOnError(log))
