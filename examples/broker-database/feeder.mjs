// The feeder: each POST /messages publishes one persistent message to the quorum queue and
// answers 201 only once the broker confirmed it (publisher confirms), 503 otherwise. So ordeal's
// load drives the volume, and every 201 in the load's history is a message RabbitMQ took
// responsibility for: the queue check then proves none of them was lost on the way to the dump.
//   PORT, AMQP_URLS (comma-separated, one per node), QUEUE (dump)
import http from 'node:http'
import { QUEUE, QUEUE_OPTIONS, amqpUrls, keepConnected, log } from './amqp-link.mjs'

const port = Number(process.env.PORT)
let channel // the confirm channel of the current connection, if any

const stop = keepConnected(
  amqpUrls(),
  'feeder',
  async (connection) => {
    const ch = await connection.createConfirmChannel()
    ch.on('error', () => undefined)
    ch.once('close', () => {
      if (channel === ch) channel = undefined
    })
    await ch.assertQueue(QUEUE, QUEUE_OPTIONS)
    channel = ch
  },
  () => {
    channel = undefined
  }
)

function publish(id) {
  return new Promise((resolve) => {
    const ch = channel
    if (!ch) return resolve(false)
    const body = Buffer.from(JSON.stringify({ id, at: Date.now() }))
    try {
      // The callback runs on the broker's ack (no error) or nack / channel loss (an error).
      ch.sendToQueue(QUEUE, body, { persistent: true, messageId: id }, (error) => resolve(!error))
    } catch {
      resolve(false) // the channel closed under us
    }
  })
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.statusCode = channel ? 200 : 503
    res.end(channel ? 'ok' : 'no broker connection')
    return
  }
  if (req.method !== 'POST' || req.url !== '/messages') {
    res.statusCode = 404
    res.end()
    return
  }
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', async () => {
    let id
    try {
      id = String(JSON.parse(Buffer.concat(chunks).toString()).id ?? '')
    } catch {
      id = ''
    }
    if (!id) {
      res.statusCode = 400
      res.end('body must be {"id": "..."}')
      return
    }
    const confirmed = await publish(id)
    res.statusCode = confirmed ? 201 : 503
    res.end(confirmed ? id : 'not confirmed')
  })
})
server.keepAliveTimeout = 30_000
server.listen(port, '127.0.0.1', () => log('feeder', `listening on ${port}`))

process.on('SIGTERM', async () => {
  server.close()
  await stop()
  process.exit(0)
})
