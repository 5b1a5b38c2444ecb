// The first step's probe: the cluster has formed (node a sees a, b, c running) and queue
// `orders` exists on node a (the majority side), replicated to every node:
//   QUEUE_TYPE=mirrored  a classic queue mirrored to every node (ha-mode all), all mirrors
//                        synchronised. Mirrored queues can split: each side of a partition
//                        promotes its own master.
//   QUEUE_TYPE=quorum    a quorum queue (Raft) with a member on every node, all online: only a
//                        majority can confirm a write.
// Prints what it set up; exit 1 (with why) if it could not.
//
//   MANAGEMENT=http://198.18.1.1:15672 QUEUE_TYPE=mirrored node setup.mjs
const base = process.env.MANAGEMENT
const queue = process.env.QUEUE ?? 'orders'
const type = process.env.QUEUE_TYPE ?? 'mirrored'
if (type !== 'mirrored' && type !== 'quorum') {
  console.error(`setup: QUEUE_TYPE must be mirrored or quorum, not '${type}'`)
  process.exit(2)
}
const budgetMs = Number(process.env.SETUP_BUDGET_MS ?? 60_000)
const auth = { authorization: `Basic ${Buffer.from('guest:guest').toString('base64')}` }
const deadline = Date.now() + budgetMs

async function api(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(3000),
  })
  if (!res.ok) {
    throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`)
  }
  return res.status === 204 || res.status === 201 ? undefined : res.json()
}

/** Polls `check` (a real condition) until it returns a value, within the budget. */
async function until(what, check) {
  let last = ''
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value) {
        return value
      }
    } catch (err) {
      last = String(err)
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  console.error(`setup: ${what} not within ${budgetMs} ms ${last}`)
  process.exit(1)
}

await until('a, b and c running', async () => {
  const nodes = await api('GET', '/api/nodes?columns=name,running')
  return nodes.filter((n) => n.running).length === 3
})
const all = 'rabbit@a,rabbit@b,rabbit@c'
let q
if (type === 'mirrored') {
  await api('PUT', '/api/policies/%2F/mirror-orders', {
    pattern: `^${queue}$`,
    definition: { 'ha-mode': 'all', 'ha-sync-mode': 'automatic' },
    'apply-to': 'queues',
  })
  await api('PUT', `/api/queues/%2F/${queue}`, { durable: true, node: 'rabbit@a' })
  q = await until('the queue mirrored and synchronised on b and c', async () => {
    const q = await api('GET', `/api/queues/%2F/${queue}`)
    // 3.10 names the field after "slaves"; later versions after "mirrors".
    const synced = (q.synchronised_slave_nodes ?? q.synchronised_mirror_nodes ?? [])
      .map(String)
      .sort()
    return q.node === 'rabbit@a' && synced.join() === 'rabbit@b,rabbit@c' ? q : undefined
  })
  console.log(`${queue}: mirrored, master on ${q.node}, mirrors synchronised on b and c`)
} else {
  await api('PUT', `/api/queues/%2F/${queue}`, {
    durable: true,
    node: 'rabbit@a',
    arguments: { 'x-queue-type': 'quorum' },
  })
  q = await until('the quorum queue with its three members online', async () => {
    const q = await api('GET', `/api/queues/%2F/${queue}`)
    const online = (q.online ?? []).map(String).sort().join()
    return online === all && q.leader ? q : undefined
  })
  console.log(`${queue}: quorum, leader on ${q.leader}, members online on a, b and c`)
}
