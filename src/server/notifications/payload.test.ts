import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RunSummary } from '../../shared/api.js'
import { changeEvent, runUrl, slackMessage } from './payload.js'

const run: RunSummary = {
  id: 'run_9',
  experimentId: 'exp_1',
  experimentName: 'checkout',
  experimentVersion: 3,
  source: 'server',
  status: 'finished',
  verdict: 'fail',
  score: 66.666,
  reason: 'probe <orders> failed & 9 lost',
  startedAt: '2026-12-07T11:00:00Z',
  endedAt: '2026-12-07T11:01:00Z',
  startedBy: 'u',
  startedByName: 'alice',
}

test('the webhook event names the change, the run with its link, and the previous verdict', () => {
  const event = changeEvent({
    change: 'failed',
    run,
    previous: { id: 'run_8', verdict: 'pass' },
    baseUrl: 'https://chaos.example.com/',
  })
  assert.deepEqual(event, {
    event: 'verdict.changed',
    change: 'failed',
    experiment: 'checkout',
    run: {
      id: 'run_9',
      verdict: 'fail',
      score: 66.666,
      reason: 'probe <orders> failed & 9 lost',
      url: 'https://chaos.example.com/runs/run_9',
    },
    previous: { id: 'run_8', verdict: 'pass' },
  })
})

test("Slack: the link in Slack's markup, the reason escaped, the score rounded", () => {
  const message = slackMessage(
    changeEvent({ change: 'failed', run, baseUrl: 'http://127.0.0.1:7700' })
  )
  assert.equal(
    message.text,
    ':red_circle: hypothesis disproved: *checkout* (score 66.7): <http://127.0.0.1:7700/runs/run_9|run run_9>'
  )
  assert.ok(JSON.stringify(message.blocks).includes('probe &lt;orders&gt; failed &amp; 9 lost'))
  assert.ok(JSON.stringify(message.blocks).includes('first judged run'))
  assert.equal(runUrl('http://h/', 'a b'), 'http://h/runs/a%20b')
})
