// Keeps one AMQP connection alive across the cluster's nodes: when it is lost (or cannot be
// made) the next node's URL is tried, with a short backoff, forever; `setup` runs again on every
// new connection. Both apps use it: losing a broker node is something they survive by design.
import { connect } from 'amqplib'

export const QUEUE = process.env.QUEUE ?? 'dump'
// A quorum queue: replicated on every node of the cluster, available while a majority is up.
export const QUEUE_OPTIONS = { durable: true, arguments: { 'x-queue-type': 'quorum' } }

export function log(who, message) {
  console.log(`${new Date().toISOString()} ${who}: ${message}`)
}

/**
 * @param {string[]} urls
 * @param {string} who
 * @param {(connection: import('amqplib').ChannelModel) => Promise<void>} setup
 * @param {() => void} onLost called when the connection set up last is gone
 */
export function keepConnected(urls, who, setup, onLost) {
  let stopped = false
  let current
  const loop = (async () => {
    for (let i = 0; !stopped; i = (i + 1) % urls.length) {
      try {
        current = await connect(`${urls[i]}?heartbeat=5`, { timeout: 3000 })
        current.on('error', () => undefined) // 'close' follows; no crash on a lost node
        const closed = new Promise((resolve) => current.once('close', resolve))
        await setup(current)
        log(who, `connected to ${urls[i]}`)
        await closed
        log(who, `lost ${urls[i]}`)
      } catch (error) {
        log(who, `cannot use ${urls[i]}: ${error.message}`)
        await current?.close().catch(() => undefined)
      }
      current = undefined
      onLost()
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 250))
    }
  })()
  return async () => {
    stopped = true
    await current?.close().catch(() => undefined)
    await loop
  }
}

export function amqpUrls() {
  const urls = (process.env.AMQP_URLS ?? '').split(',').filter(Boolean)
  if (urls.length === 0) throw new Error('AMQP_URLS is required (comma-separated amqp:// URLs)')
  return urls
}
