/**
 * The watch loops' handling of what a real API server does rarely on cue: a 410 Gone (the
 * watched version compacted away) and a watch that fails to start. A loopback HTTP server
 * plays the API (list, then a watch stream) so that each answer comes exactly when wanted;
 * the normal path and an API server restart run against a real one in
 * test/integration/kubernetes/workload-watch.test.ts.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { KubeConfig } from '@kubernetes/client-node'
import { WorkloadTracker, type WorkloadChange } from './tracker.js'
import { startWorkloadWatcher } from './watcher.js'

interface Request {
  path: string
  watch: boolean
  version: string | null
}

/** What the fake API answers, one script per request (in order), per resource. */
type Answer = (res: http.ServerResponse) => void

let server: http.Server
let config: KubeConfig
const requests: Request[] = []
const scripts = new Map<string, Answer[]>()
/** Called at every request the fake API receives: requests are awaited, never polled. */
const waiters = new Set<() => void>()

/** Resolves once `logs` has `n` lines naming `what` (the watcher logs after each answer). */
async function untilLogged(logs: string[], n: number, what: string): Promise<void> {
  while (logs.filter((line) => line.includes(what)).length < n) {
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Resolves once `check` holds, looked at now and after each request. */
function untilRequests(check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const waiter = () => {
      if (check()) {
        waiters.delete(waiter)
        resolve()
      }
    }
    waiters.add(waiter)
    waiter()
  })
}

const deployment = (image: string, version: string) => ({
  metadata: {
    name: 'orders',
    namespace: 'shop',
    uid: 'u1',
    generation: 1,
    resourceVersion: version,
    annotations: { 'ordeal.dev/experiment': 'orders-check' },
  },
  spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
})

const list =
  (version: string, items: unknown[]): Answer =>
  (res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ metadata: { resourceVersion: version }, items }))
  }
/** A watch stream of these events, left open (ended by the client). */
const stream =
  (...events: unknown[]): Answer =>
  (res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    for (const event of events) {
      res.write(`${JSON.stringify(event)}\n`)
    }
  }
const status =
  (code: number): Answer =>
  (res) => {
    res.writeHead(code, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ kind: 'Status', code, message: `answer ${code}` }))
  }
/** Idle: an empty list or a silent watch, for resources the test does not look at. */
const idle = (watch: boolean): Answer => (watch ? stream() : list('1', []))

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const watch = url.searchParams.get('watch') === 'true'
    requests.push({ path: url.pathname, watch, version: url.searchParams.get('resourceVersion') })
    for (const waiter of [...waiters]) {
      waiter()
    }
    const queue = scripts.get(`${url.pathname}${watch ? ' watch' : ''}`)
    ;(queue?.shift() ?? idle(watch))(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  config = new KubeConfig()
  config.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        // client-node refuses plain http otherwise; this loopback fake has no TLS.
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  })
})

after(() => {
  server.closeAllConnections()
  server.close()
})

function watchOnce(onChange: (change: WorkloadChange) => void, logs: string[]) {
  return startWorkloadWatcher({
    config,
    namespaces: ['shop'],
    denied: () => false,
    tracker: new WorkloadTracker(),
    onChange,
    log: (line) => logs.push(line),
    random: () => 0,
  })
}

test('410 Gone lists again at once, and a deploy made during the gap is one change', async () => {
  const path = '/apis/apps/v1/namespaces/shop/deployments'
  requests.length = 0
  scripts.clear()
  scripts.set(path, [
    list('10', [deployment('r/app:1', '10')]),
    list('20', [deployment('r/app:2', '20')]),
  ])
  scripts.set(`${path} watch`, [stream({ type: 'ERROR', object: { kind: 'Status', code: 410 } })])
  const logs: string[] = []
  const changes: WorkloadChange[] = []
  let got!: () => void
  const changed = new Promise<void>((resolve) => (got = resolve))
  const watcher = watchOnce((c) => (changes.push(c), got()), logs)
  try {
    await watcher.listed
    await changed
    assert.deepEqual(
      changes.map((c) => c.images),
      [['r/app:2']]
    )
    const mine = requests.filter((r) => r.path === path)
    assert.deepEqual(
      mine.slice(0, 3).map((r) => `${r.watch ? 'watch' : 'list'}@${r.version ?? ''}`),
      ['list@', 'watch@10', 'list@']
    )
    assert.deepEqual(logs, [], 'a 410 is routine: nothing to say')
  } finally {
    watcher.close()
  }
})

test('a failing list or watch is said once, retried, and said resumed', async () => {
  const path = '/apis/apps/v1/namespaces/shop/statefulsets'
  requests.length = 0
  scripts.clear()
  scripts.set(path, [status(403), status(403), list('5', []), list('6', [])])
  scripts.set(`${path} watch`, [status(500)])
  const logs: string[] = []
  const watcher = watchOnce(() => undefined, logs)
  try {
    await watcher.listed
    // The watch's 500 then sends it back to a list: wait for that second list.
    await untilRequests(() => requests.filter((r) => r.path === path && !r.watch).length >= 4)
    // The fourth list was received; its answer (and the `resumed` line) is written next.
    await untilLogged(logs, 4, 'statefulsets')
    const mine = logs.filter((line) => line.includes('statefulsets'))
    assert.deepEqual(mine, [
      'workload watch: statefulsets in shop: answer 403; retrying',
      'workload watch: statefulsets in shop: resumed',
      'workload watch: statefulsets in shop: HTTP 500 Internal Server Error; retrying',
      'workload watch: statefulsets in shop: resumed',
    ])
  } finally {
    watcher.close()
  }
})
