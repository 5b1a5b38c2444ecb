// The acknowledging front of the PostgreSQL power-loss example: POST /rows {"id": ...} inserts
// the id in its own transaction and answers 201 only after PostgreSQL acknowledged the COMMIT
// (synchronous_commit on). The load step records what was acknowledged; the queue check reads
// the table after the power loss and names every acknowledged id that is gone.
//
//   node front.mjs HTTP_PORT POSTGRES_PORT
import http from 'node:http'
import pg from 'pg'

const [port, pgPort] = process.argv.slice(2).map(Number)
const pool = new pg.Pool({
  host: '127.0.0.1',
  port: pgPort,
  user: 'postgres',
  database: 'postgres',
  max: 4,
  connectionTimeoutMillis: 2000,
})
// A connection broken by the power loss is dropped from the pool, not fatal.
pool.on('error', () => undefined)

http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200).end('ok\n')
      return
    }
    if (req.method !== 'POST' || req.url !== '/rows') {
      res.writeHead(404).end()
      return
    }
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => (body += chunk))
    req.on('end', async () => {
      try {
        const { id } = JSON.parse(body)
        await pool.query('INSERT INTO acked (id) VALUES ($1)', [String(id)])
        res.writeHead(201).end(`${id}\n`)
      } catch (error) {
        res.writeHead(503).end(`${error.message}\n`)
      }
    })
  })
  .listen(port, '127.0.0.1')
