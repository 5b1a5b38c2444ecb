import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stripVTControlCharacters } from 'node:util'
import type { JournalEvent } from '../engine/events.js'
import { TerminalReporter } from './terminal.js'

test('a fault.recovery event prints one line naming the fault, the workload and the time', () => {
  let out = ''
  const stream = { write: (text: string) => ((out += text), true) } as NodeJS.WriteStream
  const reporter = new TerminalReporter({ stream, live: false })
  const events = [
    {
      type: 'run.started',
      runId: 'r',
      experiment: 'x',
      hypothesis: 'h',
      plan: [{ id: 'run.0', name: 'delete an orders pod', kind: 'fault', faultType: 'pod-delete' }],
    },
    {
      type: 'fault.recovery',
      faultId: 'run.0',
      workload: 'deployment/orders',
      recovered: true,
      ms: 4200,
    },
    {
      type: 'fault.recovery',
      faultId: 'run.0',
      workload: 'statefulset/db',
      recovered: false,
      reason: 'timed out',
    },
  ].map((e, i) => ({ ...e, seq: i, t: 1_700_000_000_000 + i * 1000 }) as unknown as JournalEvent)
  events.forEach(reporter.onEvent)
  const lines = stripVTControlCharacters(out).split('\n')
  assert.ok(
    lines.includes('[   1.0s] ⟲ "delete an orders pod": deployment/orders recovered in 4.2 s'),
    out
  )
  assert.ok(
    lines.includes('[   2.0s] ⟲ "delete an orders pod": statefulset/db NOT recovered: timed out'),
    out
  )
})
