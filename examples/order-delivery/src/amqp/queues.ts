import type { Options } from 'amqplib'

/**
 * v1: a classic queue, which lives on one node. It is durable, but v1 publishes transient
 * messages, so whatever is in it when the node dies is gone when the node comes back.
 */
export const kClassicQueue: Options.AssertQueue = { durable: true }

/**
 * v2: a quorum queue (Raft), replicated to every node of the cluster; a message the broker
 * confirmed is on a majority of them and survives the loss of one.
 */
export const kQuorumQueue: Options.AssertQueue = {
  durable: true,
  arguments: { 'x-queue-type': 'quorum' },
}

/** The message body: the order id, as JSON. */
export function orderMessage(id: string): Buffer {
  return Buffer.from(JSON.stringify({ id }))
}

/** The order id of a message, or undefined for a body that is not one. */
export function orderIdOf(content: Buffer): string | undefined {
  try {
    const body: unknown = JSON.parse(content.toString('utf8'))
    const id = (body as { id?: unknown } | null)?.id
    return typeof id === 'string' && id.length > 0 ? id : undefined
  } catch {
    return undefined
  }
}
