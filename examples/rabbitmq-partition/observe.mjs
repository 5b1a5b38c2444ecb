// The monitor's observations, one line on stdout, exit 0 (an observation, not a verdict: the
// monitor decides). Run by ordeal's cmd probes from the root namespace.
//
//   node observe.mjs membership   NODES=a=http://198.18.1.1:15672,b=...,c=...
//     Asks every node, through its management API, which cluster members it sees running and
//     which it is partitioned from. Prints the summary word first, then each node's view:
//       one       every node answers and all see the same members, all running, no partition
//       split     two answering nodes see different members running, or one reports a partition
//       degraded  the answering nodes agree, but a member is down or does not answer (a paused
//                 minority under pause_minority)
//       none      no node answers
//     e.g. `split a=a,b b=a,b c=c`, `one a=a,b,c b=a,b,c c=a,b,c`, `degraded a=a,b b=a,b c=-`.
//
//   node observe.mjs writes       PUBLISHERS=left=http://127.0.0.1:P1,right=http://127.0.0.1:P2
//     Which sides had a write confirmed in the last second: `both left=19 right=20`,
//     `left left=20 right=0`, `none ...`. A side that does not answer counts 0.
const kTimeoutMs = Number(process.env.OBSERVE_TIMEOUT_MS ?? 1500)

function pairs(text) {
  return (text ?? '')
    .split(',')
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])
}

async function json(url, init = {}) {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(kTimeoutMs) })
  if (!res.ok) {
    throw new Error(`HTTP ${res.status}`)
  }
  return res.json()
}

const short = (node) => String(node).replace(/^rabbit@/, '')

/** One node's view: the members it sees running, and those it says it is partitioned from. */
async function viewOf(base) {
  const auth = `Basic ${Buffer.from('guest:guest').toString('base64')}`
  const nodes = await json(`${base}/api/nodes?columns=name,running,partitions`, {
    headers: { authorization: auth },
  })
  const running = nodes
    .filter((n) => n.running)
    .map((n) => short(n.name))
    .sort()
  const partitions = [...new Set(nodes.flatMap((n) => (n.partitions ?? []).map(short)))].sort()
  return { running, partitions }
}

async function membership() {
  const nodes = pairs(process.env.NODES)
  const views = await Promise.all(
    nodes.map(([name, base]) =>
      viewOf(base).then(
        (v) => ({ name, ...v }),
        () => ({ name })
      )
    )
  )
  const answered = views.filter((v) => v.running !== undefined)
  const key = (v) => v.running.join(',')
  const detail = views
    .map((v) =>
      v.running === undefined
        ? `${v.name}=-`
        : `${v.name}=${key(v)}${v.partitions.length ? `!${v.partitions.join(',')}` : ''}`
    )
    .join(' ')
  let word
  if (answered.length === 0) {
    word = 'none'
  } else if (new Set(answered.map(key)).size > 1 || answered.some((v) => v.partitions.length > 0)) {
    word = 'split'
  } else if (answered.length === nodes.length && answered[0].running.length === nodes.length) {
    word = 'one'
  } else {
    word = 'degraded'
  }
  return `${word} ${detail}`
}

async function writes() {
  const sides = pairs(process.env.PUBLISHERS)
  const counts = await Promise.all(
    sides.map(([name, base]) =>
      json(`${base}/stats`).then(
        (s) => [name, s.ackedLastSecond],
        () => [name, 0]
      )
    )
  )
  const accepting = counts.filter(([, n]) => n > 0).map(([name]) => name)
  const word =
    accepting.length === 0 ? 'none' : accepting.length === sides.length ? 'both' : accepting[0]
  return `${word} ${counts.map(([name, n]) => `${name}=${n}`).join(' ')}`
}

const what = process.argv[2]
if (what === 'membership') {
  console.log(await membership())
} else if (what === 'writes') {
  console.log(await writes())
} else {
  console.error('usage: node observe.mjs membership|writes')
  process.exit(2)
}
// Now: a request given up on (a node that does not answer) must not hold the process open.
process.exit(0)
