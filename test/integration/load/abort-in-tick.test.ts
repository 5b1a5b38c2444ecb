/**
 * A load run aborted from inside its own tick callback (a capacity trial's early stop) leaves
 * nothing behind: the process that ran it exits by itself. It once kept a flush timer that
 * re-armed itself for ever, which hung the test runner until CI's time limit.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { startTestServer } from './helpers.js'
import type { TestServer } from './helpers.js'

let server: TestServer
before(async () => {
  server = await startTestServer()
})
after(async () => {
  await server.stop()
})

test('a run aborted from its own tick leaves no timer: its process exits by itself', async () => {
  const fixture = path.join(import.meta.dirname, 'fixtures', 'abort-in-tick.ts')
  const result = await new Promise<{ code: number | null; signal: string | null; out: string }>(
    (resolve) => {
      // The bound only turns a hang into a failure; a healthy child exits about 1 s in.
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', fixture, server.base],
        { timeout: 30_000, killSignal: 'SIGKILL' },
        (_err, stdout) => resolve({ code: child.exitCode, signal: child.signalCode, out: stdout })
      )
    }
  )
  assert.equal(result.signal, null, 'the child had to be killed: something kept it alive')
  assert.equal(result.code, 0)
  assert.match(result.out, /^sent \d+$/m)
})
