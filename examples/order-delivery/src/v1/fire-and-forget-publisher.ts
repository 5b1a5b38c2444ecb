/**
 * v1's publisher, written the way the demo's v1 was: one broker node, no publisher confirms,
 * transient messages, errors swallowed, and a reconnect only when the next publish notices
 * there is no channel. Every message published while the node is down, or still in flight
 * when it dies, is lost without anybody being told.
 * @module
 */
import { connect, type Channel, type ChannelModel } from 'amqplib'
import { kClassicQueue } from '../amqp/queues.js'
import { redact, withHeartbeat } from '../amqp/link.js'
import { errorMessage, type Log } from '../log.js'

/** At most one connection attempt per this interval, so a dead node is not hammered. */
const kRetryMs = 1000

export class FireAndForgetPublisher {
  #connection: ChannelModel | undefined
  #channel: Channel | undefined
  #connecting = false
  #nextAttempt = 0
  #dropped = 0

  constructor(
    readonly url: string,
    readonly queue: string,
    readonly log: Log
  ) {}

  /** Connects now rather than on the first publish. */
  start(): void {
    this.#connectLazily()
  }

  /** Never throws and never waits: that is the bug. */
  publish(content: Buffer): void {
    if (!this.#channel) {
      this.#dropped++
      this.#connectLazily()
      return
    }
    try {
      this.#channel.sendToQueue(this.queue, content) // transient (deliveryMode 1), no confirm
    } catch {
      this.#dropped++ // "channel closed": swallowed, the order was already acknowledged
    }
  }

  async close(): Promise<void> {
    await this.#connection?.close().catch(() => undefined)
  }

  #connectLazily(): void {
    if (this.#connecting || Date.now() < this.#nextAttempt) {
      return
    }
    this.#connecting = true
    this.#nextAttempt = Date.now() + kRetryMs
    void this.#connect().finally(() => (this.#connecting = false)) // #connect never rejects
  }

  async #connect(): Promise<void> {
    try {
      const connection = await connect(withHeartbeat(this.url))
      connection.on('error', () => undefined)
      connection.once('close', () => {
        this.#channel = undefined
        this.#connection = undefined
        this.log(`connection to ${redact(this.url)} lost`)
      })
      const channel = await connection.createChannel()
      channel.on('error', () => undefined)
      channel.once('close', () => (this.#channel = undefined))
      await channel.assertQueue(this.queue, kClassicQueue)
      this.#connection = connection
      this.#channel = channel
      const dropped = this.#dropped > 0 ? ` (${this.#dropped} messages dropped so far)` : ''
      this.log(`connected to ${redact(this.url)}${dropped}`)
    } catch (error) {
      this.log(`cannot connect to ${redact(this.url)}: ${errorMessage(error)}`)
    }
  }
}
