// The service users talk to: it spreads requests over the api replicas round-robin.
// With RETRIES > 0 a failed upstream call is retried on the next replica (the fix);
// with RETRIES=0 a request that lands on a dead replica fails (the weakness).
import http from 'node:http'

const port = Number(process.env.PORT)
const upstreams = process.env.UPSTREAMS.split(',')
const retries = Number(process.env.RETRIES ?? '1')
let next = 0

// A retry goes to the replica after the one that failed, never back through the shared
// counter: under concurrent requests that counter may have moved on by an even step and would
// send the retry to the same dead replica.
function fetchItems(attempt, index = next++) {
  const upstream = upstreams[index % upstreams.length]
  return fetch(`${upstream}/items`, { signal: AbortSignal.timeout(1000) })
    .then((r) => {
      if (!r.ok) throw new Error(`upstream ${upstream} answered ${r.status}`)
      return r.json()
    })
    .catch((error) =>
      attempt < retries ? fetchItems(attempt + 1, index + 1) : Promise.reject(error)
    )
}

http
  .createServer((req, res) => {
    if (req.url === '/health') {
      res.end('ok')
      return
    }
    fetchItems(0).then(
      (body) => {
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ served: true, ...body }))
      },
      (error) => {
        res.statusCode = 502
        res.end(`bad gateway: ${error.message}`)
      }
    )
  })
  .listen(port, '127.0.0.1', () => console.log(`frontend on ${port}, retries=${retries}`))
