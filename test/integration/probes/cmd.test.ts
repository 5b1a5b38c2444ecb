import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { cmdProbe } from '../../../src/probes/cmd/index.js'
import type { ProbeParamsOf } from '../../../src/probes/contract.js'
import { probeBase, probeContext } from '../../support/probe-context.js'

type Params = ProbeParamsOf<'cmd'>
const params = (p: Omit<Params, 'name' | 'mode' | 'type'>): Params => ({
  ...probeBase,
  type: 'cmd',
  ...p,
})

/** Pids whose command line contains `marker` (a unique sleep duration). */
async function processesWith(marker: string): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue
    }
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replaceAll('\0', ' ')
      if (cmdline.includes(marker)) {
        pids.push(Number(entry))
      }
    } catch {
      // exited while we looked
    }
  }
  return pids
}

async function assertGone(marker: string): Promise<void> {
  // SIGKILL is delivered at once, but reaping by init may take a moment.
  for (let i = 0; i < 40 && (await processesWith(marker)).length > 0; i++) {
    await sleep(25)
  }
  assert.deepEqual(await processesWith(marker), [], `processes with ${marker} left running`)
}

describe('cmd probe running real shell commands', () => {
  let dir: string

  before(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'ordeal-cmd-')))
    await writeFile(path.join(dir, 'count.txt'), '  17\n')
  })
  after(() => rm(dir, { recursive: true, force: true }))

  it('passes on exit 0 and keeps trimmed stdout as the value', async () => {
    const result = await cmdProbe.check(params({ command: 'echo "  hello  "' }), probeContext())
    assert.deepEqual(result, { passed: true, message: 'exit 0; stdout: hello', value: 'hello' })
  })

  it('fails on an unexpected exit code and quotes stderr', async () => {
    const result = await cmdProbe.check(
      params({ command: 'echo partial; echo oops >&2; exit 3' }),
      probeContext()
    )
    assert.deepEqual(result, {
      passed: false,
      message: 'exit 3, expected exit 0; stdout: partial; stderr: oops',
      value: 'partial',
    })
    const expected = await cmdProbe.check(
      params({ command: 'exit 3', exitCode: 3 }),
      probeContext()
    )
    assert.equal(expected.passed, true)
  })

  it('reports a missing command through its exit code', async () => {
    const result = await cmdProbe.check(
      params({ command: 'no-such-command-ordeal' }),
      probeContext()
    )
    assert.equal(result.passed, false)
    assert.match(result.message, /^exit 127, expected exit 0; stderr: .*not found/)
  })

  it('compares trimmed stdout with the comparator', async () => {
    const intOk = await cmdProbe.check(
      params({ command: 'cat count.txt', comparator: { type: 'int', criteria: '>=', value: 10 } }),
      probeContext({ baseDir: dir })
    )
    assert.deepEqual(intOk, { passed: true, message: 'exit 0; stdout 17 >= 10', value: '17' })
    const intLow = await cmdProbe.check(
      params({
        command: 'echo 3',
        comparator: { type: 'int', criteria: 'between', value: [10, 20] },
      }),
      probeContext()
    )
    assert.deepEqual(intLow, {
      passed: false,
      message: 'exit 0; stdout 3, expected between [10, 20]',
      value: '3',
    })
    const notInt = await cmdProbe.check(
      params({ command: 'echo 12abc', comparator: { type: 'int', criteria: '>=', value: 1 } }),
      probeContext()
    )
    assert.equal(notInt.passed, false)
    assert.match(notInt.message, /"12abc" is not an int/)
    const text = await cmdProbe.check(
      params({
        command: 'printf "status: green\\n"',
        comparator: { type: 'string', criteria: 'Contains', value: 'green' },
      }),
      probeContext()
    )
    assert.equal(text.passed, true)
    const float = await cmdProbe.check(
      params({ command: 'echo 0.93', comparator: { type: 'float', criteria: '>', value: 0.99 } }),
      probeContext()
    )
    assert.equal(float.passed, false)
  })

  it('needs both the exit code and the comparator', async () => {
    const result = await cmdProbe.check(
      params({ command: 'echo 5; exit 1', comparator: { type: 'int', criteria: '==', value: 5 } }),
      probeContext()
    )
    assert.equal(result.passed, false)
    assert.match(result.message, /^exit 1, expected exit 0/)
  })

  it('runs in baseDir with env merged over the runner environment', async () => {
    const cwd = await cmdProbe.check(params({ command: 'pwd' }), probeContext({ baseDir: dir }))
    assert.equal(cwd.value, dir)
    const env = await cmdProbe.check(
      params({
        command: 'echo "$ORDEAL_GREETING:{{services.api.ports.http}}:${PATH:+path-set}"',
        env: { ORDEAL_GREETING: 'hi-{{name}}' },
        comparator: { type: 'string', criteria: 'equal', value: 'hi-api:8080:path-set' },
      }),
      probeContext({ vars: { name: 'api', services: { api: { ports: { http: 8080 } } } } })
    )
    assert.equal(env.passed, true, env.message)
  })

  it('fails, without throwing, when baseDir does not exist', async () => {
    const result = await cmdProbe.check(
      params({ command: 'true' }),
      probeContext({ baseDir: path.join(dir, 'missing') })
    )
    assert.equal(result.passed, false)
    assert.match(result.message, /could not run \/bin\/sh in .*missing/)
  })

  it('fails on an unknown template variable', async () => {
    const result = await cmdProbe.check(params({ command: 'echo {{nope}}' }), probeContext())
    assert.deepEqual(result, { passed: false, message: 'unknown template variable {{nope}}' })
  })

  it('kills the whole process group on timeout', async () => {
    const started = Date.now()
    const result = await cmdProbe.check(
      params({ command: 'echo started; sleep 31.417 & sleep 31.418; wait' }),
      probeContext({ timeoutMs: 200 })
    )
    const elapsed = Date.now() - started
    assert.equal(result.passed, false)
    assert.equal(result.message, 'timed out after 200ms; stdout: started')
    assert.ok(elapsed < 1000, `took ${elapsed}ms`)
    await assertGone('31.417')
    await assertGone('31.418')
  })

  it('gives up at once when the engine aborts the attempt', async () => {
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const result = await cmdProbe.check(
      params({ command: 'sleep 31.419' }),
      probeContext({ signal: controller.signal, timeoutMs: 10_000 })
    )
    assert.equal(result.passed, false)
    assert.equal(result.message, 'aborted')
    await assertGone('31.419')
  })

  it('does not wait for background children that hold stdout open', async () => {
    const started = Date.now()
    const result = await cmdProbe.check(
      params({ command: 'sleep 31.42 & echo done' }),
      probeContext()
    )
    assert.equal(result.passed, true)
    assert.equal(result.value, 'done')
    assert.ok(Date.now() - started < 2000)
    await assertGone('31.42')
  })

  it('truncates a long stdout in the value', async () => {
    const result = await cmdProbe.check(
      params({ command: 'head -c 100000 /dev/zero | tr "\\0" x' }),
      probeContext()
    )
    assert.equal(result.passed, true)
    assert.equal(typeof result.value, 'string')
    assert.ok(String(result.value).length < 2000)
    assert.ok(result.message.length < 200)
  })

  it('describes itself in one line', () => {
    assert.equal(
      cmdProbe.describe(
        params({
          command: 'curl -s x',
          comparator: { type: 'string', criteria: 'contains', value: 'ok' },
        })
      ),
      '$ curl -s x, expect exit 0, stdout contains "ok"'
    )
  })
})
