// A consumer: takes each message from the quorum queue and INSERTs it into MariaDB (the "dump"),
// then acks it, so a message leaves RabbitMQ only once it is in the database.
//   PORT, AMQP_URLS, DB_URL (mysql://dump:dump@127.0.0.1:PORT/dump), REPLICA, PREFETCH (50),
//   DB_RECONNECT (0)
//
// Like the SME's consumer it reconnects to RabbitMQ (any node) by itself, but by default it
// opens ONE database connection at start and never opens another: when MariaDB goes away, each
// INSERT fails, the consumer logs it and leaves the message unacknowledged (for "a later retry"
// that never comes), its prefetch window fills, and it takes nothing more. The process stays
// up and /health keeps saying ok, so nothing restarts it: the dump stays stopped until someone
// restarts the consumers by hand. That is the seed's "needs manual restoration", and what
// mariadb-kill.yaml detects. DB_RECONNECT=1 is the fix: a pool that replaces broken connections,
// and a failed INSERT requeues its message after a short pause.
import http from 'node:http'
import mysql from 'mysql2/promise'
import { QUEUE, QUEUE_OPTIONS, amqpUrls, keepConnected, log } from './amqp-link.mjs'

const port = Number(process.env.PORT)
const replica = process.env.REPLICA ?? '0'
const who = `consumer ${replica}`
const prefetch = Number(process.env.PREFETCH ?? 50)
const reconnect = process.env.DB_RECONNECT === '1'
const dbUrl = process.env.DB_URL
if (!dbUrl) throw new Error('DB_URL is required')

let db
if (reconnect) {
  db = mysql.createPool({ uri: dbUrl, connectionLimit: 4, connectTimeout: 2000 })
} else {
  // One connection for the consumer's whole life. Its 'error' is logged, nothing more: the
  // process must not crash (a crash would get it re-created, and the dump would heal itself).
  db = await connectOnce()
  db.on('error', (error) => log(who, `database connection error: ${error.message}`))
}
// At start only, the database may still be booting: wait for it (up to a minute), like an init
// container would. Once connected, this connection is the only one.
async function connectOnce() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mysql.createConnection({ uri: dbUrl, connectTimeout: 2000 })
    } catch (error) {
      if (attempt >= 60) throw error
      log(who, `waiting for the database: ${error.message}`)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }
}

const stats = { dumped: 0, failed: 0 }
let consuming = false

async function dump(channel, msg) {
  let id
  try {
    id = String(JSON.parse(msg.content.toString()).id)
  } catch {
    channel.ack(msg) // not ours: drop it rather than loop on it
    return
  }
  try {
    await db.execute('INSERT INTO messages (id, consumer) VALUES (?, ?)', [id, replica])
    stats.dumped++
    channel.ack(msg)
  } catch (error) {
    stats.failed++
    if (stats.failed === 1 || stats.failed % 100 === 0) {
      log(who, `dump failed (${stats.failed} so far): ${error.message}`)
    }
    if (reconnect) {
      setTimeout(() => {
        try {
          channel.nack(msg, false, true)
        } catch {
          // the channel is gone: the broker redelivers the message anyway
        }
      }, 500)
    }
    // Without DB_RECONNECT: left unacknowledged, "to retry later". Nothing ever does.
  }
}

const stop = keepConnected(
  amqpUrls(),
  who,
  async (connection) => {
    const channel = await connection.createChannel()
    channel.on('error', () => undefined)
    await channel.assertQueue(QUEUE, QUEUE_OPTIONS)
    await channel.prefetch(prefetch)
    await channel.consume(QUEUE, (msg) => msg && void dump(channel, msg))
    consuming = true
  },
  () => {
    consuming = false
  }
)

const server = http.createServer((req, res) => {
  if (req.url === '/health') {
    res.end('ok') // a liveness endpoint like most: the process is up
    return
  }
  if (req.url === '/ready') {
    res.statusCode = consuming ? 200 : 503
    res.end(consuming ? 'consuming' : 'not consuming')
    return
  }
  if (req.url === '/stats') {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ replica, reconnect, consuming, ...stats }))
    return
  }
  res.statusCode = 404
  res.end()
})
server.listen(port, '127.0.0.1', () =>
  log(who, `listening on ${port} (database reconnect: ${reconnect ? 'yes' : 'no'})`)
)

process.on('SIGTERM', async () => {
  server.close()
  await stop()
  await db.end().catch(() => undefined)
  process.exit(0)
})
