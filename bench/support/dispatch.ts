/**
 * One timed dispatch for the agent benches: `POST /api/runs` (on an agent, or on the server's
 * embedded agent) until the run's first journal event arrives on its SSE stream.
 * @module
 */
import type { RunSummary, StreamMessage } from '../../src/shared/api.js'
import { ENDED_STATUSES } from '../../src/shared/api.js'
import { apiFetch } from '../../test/support/chaos-center.js'
import type { Fleet } from '../../test/support/fleet.js'
import { openStream } from '../../test/support/sse.js'

export const DISPATCH_YAML = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: dispatch-bench }
spec:
  hypothesis: a 10 ms wait holds
  steps:
    - wait: 10ms
`

export function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}

/** One run: ms from sending POST /api/runs to its first journal event; waits for its end. */
export async function dispatchOnce(
  fleet: Fleet,
  experimentId: string,
  agent?: string
): Promise<number> {
  const token = fleet.center.ownerToken
  const t0 = performance.now()
  const started = await apiFetch<RunSummary>(fleet.serverUrl, '/api/runs', {
    token,
    method: 'POST',
    body: { experimentId, ...(agent !== undefined ? { agent } : {}) },
  })
  if (started.status !== 201) {
    throw new Error(`POST /api/runs: ${started.status} ${started.text}`)
  }
  // The stream sends the stored backlog first: an event stored before we subscribed counts.
  const stream = await openStream(
    `${fleet.serverUrl}/api/runs/${started.json.id}/stream?after=-1`,
    token
  )
  try {
    try {
      await stream.waitFor((m) => m.event === 'journal' && m.data.length > 0, 'first event')
    } catch (err) {
      // Say what became of the run: a bench that dies on "stream closed" alone is undebuggable.
      const run = await apiFetch<RunSummary>(fleet.serverUrl, `/api/runs/${started.json.id}`, {
        token,
      })
      throw new Error(
        `run ${started.json.id}${agent !== undefined ? ` on ${agent}` : ''}: ${(err as Error).message}; now ${run.status} ${run.text.slice(0, 400)}`
      )
    }
    const ms = performance.now() - t0
    await stream.waitFor(
      (m: StreamMessage) => m.event === 'status' && ENDED_STATUSES.includes(m.data.status),
      'the end'
    )
    return ms
  } finally {
    await stream.cancel()
  }
}
