// The last step's probe: no acknowledged message lost. Stops both publishers (each waits for
// its outstanding confirms), reads every id they recorded as confirmed, then reads what the
// queue really holds through node a (the majority side, which a recovery keeps) and through
// node c. Reads are basic.get without ack, the channel closed after: the messages stay queued.
// Prints `lost=N acked=M a=K c=J c-only=D`; exit 0 when lost is 0, else 1 (lost ids on stderr).
//
//   PUBLISHERS=left=http://127.0.0.1:P1,right=...  ACKED=/path/left.log,/path/right.log
//   READ=a=amqp://guest:guest@198.18.1.1,c=amqp://...  node drain.mjs
import { readFileSync } from 'node:fs'
import amqp from 'amqplib'

const queue = process.env.QUEUE ?? 'orders'
const pairs = (text) =>
  (text ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])

const totals = []
for (const [side, base] of pairs(process.env.PUBLISHERS)) {
  const res = await fetch(`${base}/stop`, { method: 'POST', signal: AbortSignal.timeout(10_000) })
  totals.push(`${side}: ${JSON.stringify(await res.json())}`)
}
const acked = new Set(
  (process.env.ACKED ?? '')
    .split(',')
    .filter(Boolean)
    .flatMap((file) => readFileSync(file, 'utf8').split('\n').filter(Boolean))
)

/** Every id the queue holds, as node `url` serves it. */
async function held(url) {
  const conn = await amqp.connect(url, { timeout: 5000 })
  try {
    const ch = await conn.createChannel()
    const ids = new Set()
    for (;;) {
      const msg = await ch.get(queue, { noAck: false })
      if (msg === false) {
        return ids
      }
      ids.add(msg.content.toString())
    }
  } finally {
    // Closing returns the unacknowledged messages to the queue: the read changes nothing.
    await conn.close()
  }
}

/** A read that does not answer in time (a queue whose master is out of reach) is unreadable. */
function bounded(promise, ms) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

const reads = {}
for (const [node, url] of pairs(process.env.READ)) {
  reads[node] = await bounded(held(url), 20_000).catch((err) => err)
}
const [first] = pairs(process.env.READ)
const survivor = reads[first[0]]
if (!(survivor instanceof Set)) {
  console.log(`unknown: could not read ${queue} through ${first[0]}: ${survivor}`)
  process.exit(1)
}
const lost = [...acked].filter((id) => !survivor.has(id))
const counts = Object.entries(reads).map(([node, ids]) =>
  ids instanceof Set ? `${node}=${ids.size}` : `${node}=unreadable`
)
const other = Object.values(reads).find((ids) => ids instanceof Set && ids !== survivor)
const only = other ? [...other].filter((id) => !survivor.has(id)).length : 0
console.log(`lost=${lost.length} acked=${acked.size} ${counts.join(' ')} other-side-only=${only}`)
console.error(totals.join('\n'))
if (lost.length > 0) {
  console.error(`lost (first 10): ${lost.slice(0, 10).join(' ')}`)
}
// Explicitly: a read given up on may still hold its connection open.
process.exit(lost.length > 0 ? 1 : 0)
