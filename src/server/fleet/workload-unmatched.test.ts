import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SAY_EVERY_MS, UnmatchedCount } from './workload-unmatched.js'

test('unmatched changes are one line per agent per minute, with the count', () => {
  const count = new UnmatchedCount()
  const lines: string[] = []
  for (let i = 0; i < 1200; i++) {
    const line = count.add('k8s', i * 50) // 20 a second for a minute
    if (line !== undefined) {
      lines.push(line)
    }
  }
  assert.equal(lines.length, 1)
  assert.match(count.add('k8s', SAY_EVERY_MS) ?? '', /^1200 workload change\(s\) matched no/)
  assert.match(count.add('other', 0) ?? '', /^1 workload change/)
})
