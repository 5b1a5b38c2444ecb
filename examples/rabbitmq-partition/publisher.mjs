// A client on one side of the partition: publishes message ids to queue `orders` through ONE
// node (AMQP_URL), with publisher confirms, at RATE messages/s. Every id the broker confirmed
// is appended to ACKED_FILE the moment the confirm arrives: the record of what was promised.
// A message returned as unroutable (mandatory) or nacked is not a promise and is not recorded.
//
// HTTP (127.0.0.1:PORT): GET /health; GET /stats (acks in the last second, totals, last error);
// POST /stop: stop publishing, wait (bounded) for outstanding confirms, answer the totals.
// On a lost connection it reconnects every 200 ms: a paused node refuses, a healed one accepts.
import http from 'node:http'
import { appendFileSync, writeFileSync } from 'node:fs'
import amqp from 'amqplib'

const url = process.env.AMQP_URL
const side = process.env.SIDE ?? 'side'
const rate = Number(process.env.RATE ?? 20)
const ackedFile = process.env.ACKED_FILE
const queue = process.env.QUEUE ?? 'orders'
if (!url || !ackedFile || !process.env.PORT) {
  console.error('publisher: AMQP_URL, ACKED_FILE and PORT are required')
  process.exit(2)
}
writeFileSync(ackedFile, '')

const stats = { published: 0, acked: 0, nacked: 0, returned: 0, lastError: '' }
/** Times (ms) of recent confirms, for "did this side accept writes in the last second". */
let recentAcks = []
let seq = 0
let channel
let stopping = false
const outstanding = new Set()
const returned = new Set()

async function connect() {
  while (!stopping) {
    let conn
    try {
      conn = await amqp.connect(url, { timeout: 2000, heartbeat: 5 })
      conn.on('error', (err) => (stats.lastError = String(err)))
      const ch = await conn.createConfirmChannel()
      ch.on('error', (err) => (stats.lastError = String(err)))
      // Returned (unroutable) messages arrive before their confirm: remember, then ignore the ack.
      ch.on('return', (msg) => returned.add(msg.content.toString()))
      // The queue is declared once, on node a, by the setup step; a client never creates it
      // (that would put its master on this side). Until then, wait.
      await ch.checkQueue(queue)
      conn.on('close', () => {
        if (channel === ch) {
          channel = undefined
          setTimeout(() => void connect(), 200)
        }
      })
      channel = ch
      console.log(`publisher ${side}: connected to ${url.replace(/\/\/[^@]*@/, '//')}`)
      return
    } catch (err) {
      stats.lastError = String(err)
      await conn?.close().catch(() => {})
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

function publishOne() {
  const ch = channel
  if (!ch || stopping) {
    return
  }
  const id = `${side}-${process.pid}-${++seq}`
  stats.published++
  outstanding.add(id)
  try {
    ch.publish('', queue, Buffer.from(id), { persistent: true, mandatory: true }, (err) => {
      outstanding.delete(id)
      if (err) {
        stats.nacked++
      } else if (returned.delete(id)) {
        stats.returned++
      } else {
        stats.acked++
        recentAcks.push(Date.now())
        appendFileSync(ackedFile, `${id}\n`)
      }
    })
  } catch (err) {
    // The channel closed under us: the outcome is unknown, so it is not a promise.
    outstanding.delete(id)
    stats.lastError = String(err)
  }
}

const timer = setInterval(publishOne, 1000 / rate)

function recent() {
  const since = Date.now() - 1000
  recentAcks = recentAcks.filter((t) => t >= since)
  return recentAcks.length
}

async function stop() {
  stopping = true
  clearInterval(timer)
  const deadline = Date.now() + 5000
  while (outstanding.size > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50))
  }
  return { side, ...stats, unknown: outstanding.size }
}

http
  .createServer((req, res) => {
    const answer = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && req.url === '/health') {
      answer(200, { side })
    } else if (req.method === 'GET' && req.url === '/stats') {
      answer(200, { side, ...stats, connected: channel !== undefined, ackedLastSecond: recent() })
    } else if (req.method === 'POST' && req.url === '/stop') {
      void stop().then((body) => answer(200, body))
    } else {
      answer(404, { error: 'not found' })
    }
  })
  .listen(Number(process.env.PORT), '127.0.0.1')

void connect()
