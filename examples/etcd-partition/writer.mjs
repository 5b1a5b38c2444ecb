// The client under test: an HTTP front for etcd's v3 JSON gateway, driven by ordeal's load.
// POST /put {"id": ...} writes key `set/<id>` through one etcd node (round robin over all
// three, so some writes go to the side of a partition that cannot commit). GET /keys lists
// every id under `set/` with a linearizable range read: the set check's source.
// MODE=honest answers 2xx only when etcd acknowledged the put; MODE=ignore-errors is the
// weakened client that answers 2xx whatever etcd said (acknowledged before quorum).
import http from 'node:http'

const endpoints = (process.env.ETCD_ENDPOINTS ?? '').split(',').filter(Boolean)
const mode = process.env.MODE ?? 'honest'
// Shorter than etcd's own request timeout (about 7 s): a put the cluster cannot commit must
// come back within the load's timeout, as a refusal, not as an unknown outcome.
const timeoutMs = Number(process.env.ETCD_TIMEOUT_MS ?? 1500)
const PREFIX = 'set/'
const b64 = (s) => Buffer.from(s).toString('base64')
let next = 0

async function etcd(endpoint, path, body) {
  const res = await fetch(`${endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  })
  const json = await res.json()
  // The gateway reports etcd errors (no leader, timed out) in the body with a non-2xx status.
  if (!res.ok || json.error !== undefined) {
    throw new Error(json.error ?? `HTTP ${res.status}`)
  }
  return json
}

async function put(id) {
  const endpoint = endpoints[next++ % endpoints.length]
  try {
    await etcd(endpoint, '/v3/kv/put', { key: b64(PREFIX + id), value: b64(id) })
    return { status: 200, body: { id, endpoint } }
  } catch (err) {
    if (mode === 'ignore-errors') {
      return { status: 200, body: { id, endpoint, ignored: String(err) } }
    }
    return { status: 503, body: { id, endpoint, error: String(err) } }
  }
}

// Linearizable (the gateway's default): a node that cannot reach a quorum fails the read
// rather than answering from a stale copy, so the next endpoint is tried.
async function keys() {
  const rangeEnd =
    PREFIX.slice(0, -1) + String.fromCharCode(PREFIX.charCodeAt(PREFIX.length - 1) + 1)
  let lastError
  for (const endpoint of endpoints) {
    try {
      const json = await etcd(endpoint, '/v3/kv/range', {
        key: b64(PREFIX),
        range_end: b64(rangeEnd),
        keys_only: true,
      })
      const ids = (json.kvs ?? []).map((kv) =>
        Buffer.from(kv.key, 'base64').toString().slice(PREFIX.length)
      )
      return { status: 200, body: ids }
    } catch (err) {
      lastError = err
    }
  }
  return { status: 503, body: { error: String(lastError) } }
}

http
  .createServer((req, res) => {
    let raw = ''
    req.on('data', (d) => (raw += d))
    req.on('end', async () => {
      let out
      if (req.method === 'GET' && req.url === '/health') {
        out = { status: 200, body: { mode } }
      } else if (req.method === 'GET' && req.url === '/keys') {
        out = await keys()
      } else if (req.method === 'POST' && req.url === '/put') {
        let id
        try {
          id = JSON.parse(raw).id
        } catch {
          // not JSON: answered below as a bad request
        }
        out =
          typeof id === 'string' ? await put(id) : { status: 400, body: { error: 'needs {"id"}' } }
      } else {
        out = { status: 404, body: { error: 'not found' } }
      }
      res.writeHead(out.status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(out.body))
    })
  })
  .listen(Number(process.env.PORT), '127.0.0.1')
