// A tiny stock service: the thing that gets killed. Each replica answers on its own port.
import http from 'node:http'

const port = Number(process.env.PORT)
const replica = process.env.REPLICA ?? '0'
const items = [
  { sku: 'apple', stock: 12 },
  { sku: 'pear', stock: 7 },
]

http
  .createServer((req, res) => {
    if (req.url === '/health') {
      res.end('ok')
      return
    }
    if (req.url === '/items') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ replica, items }))
      return
    }
    res.statusCode = 404
    res.end('not found')
  })
  .listen(port, '127.0.0.1', () => console.log(`api replica ${replica} listening on ${port}`))
