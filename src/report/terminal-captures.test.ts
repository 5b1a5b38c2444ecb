import { test } from 'node:test'
import assert from 'node:assert/strict'
import { stripVTControlCharacters } from 'node:util'
import type { RunResult } from '../engine/result.js'
import { formatSummary } from './terminal.js'

test('the summary lists each pcap file with the fault windows in its own seconds', () => {
  const result: RunResult = {
    runId: 'r',
    experiment: 'x',
    hypothesis: 'h',
    verdict: 'pass',
    resilienceScore: 100,
    startedAt: '2026-12-07T20:00:00.000Z',
    endedAt: '2026-12-07T20:00:30.000Z',
    steps: [],
    probes: [],
    checks: [],
    loads: [],
    faults: [
      {
        id: 'run.1',
        name: 'cut the server off',
        stepId: 'run.1',
        type: 'network-partition',
        targets: ['server'],
        injectedAt: '2026-12-07T20:00:10.000Z',
        revertedAt: '2026-12-07T20:00:13.000Z',
        actions: [],
      },
    ],
    captures: [
      {
        host: 'server',
        file: '/tmp/out/capture/server.pcap',
        bytes: 1024 * 1024,
        packets: 900,
        truncated: true,
        startedAt: '2026-12-07T20:00:01.000Z',
        endedAt: '2026-12-07T20:00:29.000Z',
        firstPacketAt: '2026-12-07T20:00:02.000Z',
      },
    ],
  }
  const lines = stripVTControlCharacters(formatSummary(result)).split('\n')
  const at = lines.indexOf('  captures')
  assert.ok(at > 0, lines.join('\n'))
  assert.equal(
    lines[at + 1],
    '  server  /tmp/out/capture/server.pcap  1.0 MiB, 900 packets, cap reached: the file keeps the start'
  )
  assert.equal(
    lines[at + 2],
    '    cut the server off  20:00:10.000Z → 20:00:13.000Z  (8.000 s → 11.000 s in the file)'
  )
})
