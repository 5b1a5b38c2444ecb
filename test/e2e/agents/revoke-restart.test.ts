/**
 * Two things an agent must survive mid-run: its token revoked (DELETE /api/tokens/:id: the agent
 * rolls back, exits 2 with the revoke line, the run is interrupted with the revoke reason), and
 * the Chaos Center killed with SIGKILL and restarted on the same data and port (the run goes on
 * on the agent, which reconnects and resends: the journal is complete).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ApiToken } from '../../../src/shared/api.js'
import { apiFetch } from '../../support/chaos-center.js'
import { createFleet, type Fleet } from '../../support/fleet.js'
import {
  assertGapless,
  eventually,
  journalOf,
  pauseManifest,
  pausedIn,
  placeRun,
  toldLines,
  waitForAgent,
  waitForRun,
} from './checks.js'

let fleet: Fleet

before(async () => {
  fleet = await createFleet({ hosts: ['a', 'r'] })
})
after(async () => {
  await fleet?.close()
})

async function pausedRun(host: string, name: string, pauseS: number, lease?: string) {
  const run = await placeRun(fleet, pauseManifest(name, pauseS), {
    agent: host,
    ...(lease !== undefined ? { lease } : {}),
  })
  await eventually(
    `a paused service in host ${host}`,
    () => pausedIn(fleet, host),
    (pids) => pids.length === 1
  )
  return run.id
}

/** The id of the agent token named `name`: from `token create`'s stderr, else GET /api/tokens. */
async function tokenId(name: string): Promise<string> {
  const issued = await fleet.token(name)
  if (issued.id !== undefined) {
    return issued.id
  }
  const list = await apiFetch<ApiToken[]>(fleet.serverUrl, '/api/tokens', {
    token: fleet.center.ownerToken,
  })
  const found = list.json.find((t) => t.name === name && t.role === 'agent')
  assert.ok(found, list.text)
  return found.id
}

describe('revoke and restart mid-run', () => {
  test('revoking the agent token mid-run: socket closed in 2 s, faults rolled back, exit 2, run interrupted with the reason', async () => {
    const agent = await fleet.startAgent('r')
    const runId = await pausedRun('r', 'revoked', 60)
    const id = await tokenId('r')
    const revokedAt = Date.now()
    const del = await apiFetch(fleet.serverUrl, `/api/tokens/${id}`, {
      token: fleet.center.ownerToken,
      method: 'DELETE',
    })
    assert.ok(del.status < 300, del.text)
    await waitForAgent(fleet, 'r', (a) => a?.connected !== true, 'disconnected', 2000)
    const { code } = await agent.exited
    assert.equal(code, 2, agent.output())
    assert.deepEqual(toldLines(agent.stderr()).slice(-1), [
      "ordeal agent: the Chaos Center revoked this agent's token; its runs were rolled back",
    ])
    assert.deepEqual(await pausedIn(fleet, 'r'), [], 'rolled back before it exited')
    await eventually(
      'nothing of the agent left in host r',
      () => fleet.pidsIn('r'),
      (pids) => pids.length === 0,
      5000
    )
    const { value: run } = await waitForRun(
      fleet,
      runId,
      (r) => r.status === 'interrupted',
      'interrupted',
      10_000
    )
    assert.match(run.reason ?? '', /agent r's token was revoked by /)
    assert.ok(Date.now() - revokedAt < 30_000)
  })

  test('the Chaos Center killed and restarted mid-run: the run resumes, its journal is complete', async () => {
    await fleet.startAgent('a')
    // A lease longer than the restart takes on a busy machine, so nothing rolls back.
    const runId = await pausedRun('a', 'server-restart', 8, '60s')
    await fleet.center.kill9()
    assert.equal((await pausedIn(fleet, 'a')).length, 1, 'the agent keeps its fault in place')
    await fleet.center.restart()
    await waitForAgent(fleet, 'a', (a) => a?.connected === true, 'reconnected', 30_000)
    const { value: run } = await waitForRun(
      fleet,
      runId,
      (r) => r.status === 'finished',
      'finished',
      60_000
    )
    assert.equal(run.verdict, 'pass', run.reason)
    const events = await journalOf(fleet, runId)
    assertGapless(events)
    const types = events.map((e) => e.type)
    assert.equal(types.filter((t) => t === 'run.ended').length, 1)
    assert.ok(types.includes('fault.reverted'), types.join(' '))
  })
})
