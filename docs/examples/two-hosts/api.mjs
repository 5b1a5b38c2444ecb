// Host web's api for docs/examples/two-hosts: answers 200 when db on host data answers within
// 500 ms, else 502. Usage: node api.mjs PORT UPSTREAM_URL
import http from 'node:http'
const [port, upstream] = process.argv.slice(2)
http
  .createServer(async (_req, res) => {
    try {
      const r = await fetch(upstream, { signal: AbortSignal.timeout(500) })
      res.writeHead(r.ok ? 200 : 502).end(r.ok ? 'ok' : 'db said ' + r.status)
    } catch (error) {
      res.writeHead(502).end('db unreachable: ' + (error.cause?.code ?? error.name))
    }
  })
  .listen(Number(port), '0.0.0.0')
