/**
 * The transactional outbox's relay: publishes committed outbox rows as persistent messages on a
 * confirm channel, and marks them sent only after the broker confirmed them (for a quorum
 * queue: a majority of nodes has them). Anything not confirmed (a nack, a lost connection, a
 * confirm that does not come) stays in the outbox and is published again, possibly twice: the
 * consumer is idempotent.
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { ConfirmChannel } from 'amqplib'
import { AmqpLink, dropWhenClosed } from '../amqp/link.js'
import { kQuorumQueue } from '../amqp/queues.js'
import type { OrderStore } from '../db/store.js'
import { errorMessage, type Log } from '../log.js'

/** Pause before publishing a batch again after a nack. */
const kRetryMs = 200

class ConfirmTimeout extends Error {}

export interface RelayOptions {
  store: OrderStore
  urls: string[]
  queue: string
  log: Log
  /** @default 500 */
  batchSize?: number
  /** A batch whose confirms take longer is published again on a new connection. @default 5000 */
  confirmTimeoutMs?: number
  /** How often the outbox is read when nobody calls `notify()`. @default 250 */
  pollMs?: number
}

export class OutboxRelay {
  readonly #options: Required<RelayOptions>
  readonly #link: AmqpLink
  #channel: { channel: ConfirmChannel; drop: (reason: string) => void } | undefined
  #stopped = false
  #wake: (() => void) | undefined
  #loop: Promise<void> | undefined

  constructor(options: RelayOptions) {
    this.#options = { batchSize: 500, confirmTimeoutMs: 5000, pollMs: 250, ...options }
    const { queue, urls, log } = this.#options
    this.#link = new AmqpLink({
      urls,
      log,
      setup: async (connection, drop) => {
        const channel = await connection.createConfirmChannel()
        dropWhenClosed(channel, drop)
        await channel.assertQueue(queue, kQuorumQueue)
        this.#channel = { channel, drop }
        this.notify()
      },
      onLost: () => (this.#channel = undefined),
    })
  }

  start(): void {
    this.#link.start()
    this.#loop ??= this.#run()
  }

  /** A new row was committed: publish now rather than at the next poll. */
  notify(): void {
    this.#wake?.()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.notify()
    await this.#loop
    await this.#link.stop()
  }

  async #run(): Promise<void> {
    const { store, batchSize, log } = this.#options
    let failures = 0
    const reportDbError = (error: unknown) => {
      log(`cannot read the outbox: ${errorMessage(error)}`)
      return []
    }
    while (!this.#stopped) {
      const current = this.#channel
      const rows = current ? await store.pendingOutbox(batchSize).catch(reportDbError) : []
      if (!current || rows.length === 0) {
        await this.#idle()
        continue
      }
      try {
        for (const row of rows) {
          current.channel.sendToQueue(this.#options.queue, Buffer.from(row.payload), {
            persistent: true,
            messageId: row.orderId,
            contentType: 'application/json',
          })
        }
        await this.#confirmed(current.channel)
        await store.markSent(rows.map((row) => row.seq))
        if (failures > 0) {
          log(`publishes confirmed again after ${failures} unconfirmed batches`)
          failures = 0
        }
      } catch (error) {
        if (failures++ === 0) {
          log(`${rows.length} outbox rows not confirmed (${errorMessage(error)}); they stay unsent`)
        }
        // A nack (e.g. the queue is electing a new leader) leaves the channel usable: retry on
        // it shortly. A confirm that never comes means a stuck link: use another node.
        if (error instanceof ConfirmTimeout && this.#channel === current) {
          this.#channel = undefined
          current.drop(error.message)
        }
        await sleep(kRetryMs)
      }
    }
  }

  #confirmed(channel: ConfirmChannel): Promise<void> {
    const ms = this.#options.confirmTimeoutMs
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ConfirmTimeout(`no confirm within ${ms}ms`)), ms)
    })
    return Promise.race([channel.waitForConfirms(), timeout]).finally(() => clearTimeout(timer))
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#options.pollMs)
      this.#wake = done
      function done() {
        clearTimeout(timer)
        resolve()
      }
    })
  }
}
