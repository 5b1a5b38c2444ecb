import { test } from 'node:test'
import assert from 'node:assert/strict'
import { captureSummary, captureWindows, captureWindowText } from './capture-text.js'
import type { CaptureResult, FaultResult } from './result.js'

const capture: CaptureResult = {
  host: 'client',
  file: '/tmp/r/capture/client.pcap',
  bytes: 3 * 1024,
  packets: 40,
  truncated: false,
  startedAt: '2026-12-07T20:00:00.000Z',
  endedAt: '2026-12-07T20:00:20.000Z',
  firstPacketAt: '2026-12-07T20:00:00.500Z',
}

const fault = (name: string, injectedAt?: string, revertedAt?: string): FaultResult => ({
  id: name,
  name,
  stepId: name,
  type: 'network-partition',
  targets: [],
  actions: [],
  ...(injectedAt ? { injectedAt } : {}),
  ...(revertedAt ? { revertedAt } : {}),
})

test('fault windows count seconds from the first packet in the file, as Wireshark does', () => {
  const windows = captureWindows(capture, [
    fault('cut', '2026-12-07T20:00:05.750Z', '2026-12-07T20:00:08.750Z'),
    fault('never', undefined),
    fault('open', '2026-12-07T20:00:10.000Z'),
  ])
  assert.deepEqual(
    windows.map((w) => [w.fault, w.fromS, w.toS]),
    [
      ['cut', 5.25, 8.25],
      ['open', 9.5, undefined],
    ]
  )
  assert.equal(
    captureWindowText(windows[0]!),
    'cut  20:00:05.750Z → 20:00:08.750Z  (5.250 s → 8.250 s in the file)'
  )
  assert.match(captureWindowText(windows[1]!), /not reverted.*9\.500 s → …/)
})

test('without a packet the capture start is the origin; a reached cap says the start is kept', () => {
  const { firstPacketAt: _first, ...empty } = capture
  const [w] = captureWindows({ ...empty, truncated: true }, [
    fault('cut', '2026-12-07T20:00:05.000Z', '2026-12-07T20:00:06.000Z'),
  ])
  assert.equal(w?.fromS, 5)
  assert.equal(captureSummary(capture), '3.0 KiB, 40 packets')
  assert.equal(
    captureSummary({ ...capture, truncated: true }),
    '3.0 KiB, 40 packets, cap reached: the file keeps the start'
  )
})
