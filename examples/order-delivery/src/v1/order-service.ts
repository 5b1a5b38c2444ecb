/**
 * v1 order service: stores the order, publishes a message fire-and-forget, answers 201.
 * Env: PORT, AMQP_URLS (the first URL is used), DATA_DIR or DATABASE_URL, QUEUE.
 * @module
 */
import { readConfig } from '../config.js'
import { openStore } from '../db/open.js'
import { startOrderApi } from '../http/order-api.js'
import { orderMessage } from '../amqp/queues.js'
import { exitOnError, onShutdown } from '../lifecycle.js'
import { logger } from '../log.js'
import { FireAndForgetPublisher } from './fire-and-forget-publisher.js'

const log = logger('order-v1')

async function main(): Promise<void> {
  const config = readConfig()
  const store = await openStore()
  const publisher = new FireAndForgetPublisher(config.amqpUrls[0]!, config.queue, log)
  publisher.start()
  const server = await startOrderApi(config.port, {
    store,
    log,
    async createOrder(id) {
      await store.insertOrder(id)
      publisher.publish(orderMessage(id))
    },
  })
  onShutdown(log, async () => {
    server.close()
    await publisher.close()
    await store.close()
  })
}

main().catch(exitOnError(log))
