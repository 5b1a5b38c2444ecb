/**
 * v2 order service: the order row and its outbox row are written in one transaction, and 201
 * means "committed". The relay (in this process, as Dapr's outbox runs in the sidecar)
 * publishes the outbox with confirms to a quorum queue, failing over between nodes.
 * Env: PORT, AMQP_URLS (every node), DATA_DIR or DATABASE_URL, QUEUE.
 * @module
 */
import { readConfig } from '../config.js'
import { openStore } from '../db/open.js'
import { startOrderApi } from '../http/order-api.js'
import { orderMessage } from '../amqp/queues.js'
import { exitOnError, onShutdown } from '../lifecycle.js'
import { logger } from '../log.js'
import { OutboxRelay } from './outbox-relay.js'

const log = logger('order-v2')

async function main(): Promise<void> {
  const config = readConfig()
  const store = await openStore()
  const relay = new OutboxRelay({
    store,
    urls: config.amqpUrls,
    queue: config.queue,
    log: logger('outbox-relay'),
  })
  relay.start()
  const server = await startOrderApi(config.port, {
    store,
    log,
    async createOrder(id) {
      await store.insertOrderWithOutbox(id, orderMessage(id).toString('utf8'))
      relay.notify()
    },
  })
  onShutdown(log, async () => {
    server.close()
    await relay.stop()
    await store.close()
  })
}

main().catch(exitOnError(log))
