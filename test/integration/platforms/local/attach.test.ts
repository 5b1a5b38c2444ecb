import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { after, before, describe, it } from 'node:test'
import { describeAttach, resolveAttach } from '../../../../src/platforms/local/attach.js'
import { freePort } from '../../../../src/platforms/local/ports.js'
import { processStartTime } from '../../../../src/safety/proc.js'
import { listPids } from '../../../../src/safety/proc-scan.js'

const marker = `ordeal-attach-${randomUUID()}`
// Listens on a free loopback port and prints it; the marker argument makes its command line unique.
const kListener =
  "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port))"
const children: ChildProcess[] = []
let port: number

async function launch(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', kListener, marker], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(child)
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer]
  return { child, port: Number(chunk.toString().trim()) }
}

before(async () => {
  ;({ port } = await launch())
})
after(() => {
  for (const child of children) {
    child.kill('SIGKILL')
  }
})

describe('resolveAttach', () => {
  it('finds a process by pid', async () => {
    const pid = children[0]!.pid!
    assert.deepEqual(await resolveAttach({ name: 'legacy', pid }), [
      { label: 'legacy', pid, startTime: processStartTime(pid), groupLeader: false },
    ])
  })

  it('finds a process by the TCP port it listens on', async () => {
    const targets = await resolveAttach({ name: 'legacy', port })
    assert.deepEqual(
      targets.map((t) => [t.label, t.pid]),
      [['legacy', children[0]!.pid]]
    )
  })

  it('finds processes by command line, numbering several matches', async () => {
    const second = await launch()
    const targets = await resolveAttach({ name: 'legacy', match: `${marker}$` })
    const pids = [children[0]!.pid!, second.child.pid!].sort((a, b) => a - b)
    assert.deepEqual(
      targets.map((t) => [t.label, t.pid, t.groupLeader]),
      [
        ['legacy#0', pids[0], false],
        ['legacy#1', pids[1], false],
      ]
    )
    second.child.kill('SIGKILL')
    await once(second.child, 'exit')
  })

  it('never matches ordeal itself or its ancestors', async () => {
    // This test process's command line names this file, and so does the test runner above it.
    const targets = await resolveAttach({ name: 'self', match: 'attach\\.test' }).catch(() => [])
    const own = new Set([process.pid, process.ppid])
    assert.deepEqual(
      targets.filter((t) => own.has(t.pid)),
      []
    )
  })

  it('throws a clear error when nothing matches', async () => {
    const unusedPid = Math.max(...listPids()) + 100_000
    await assert.rejects(resolveAttach({ name: 'gone', pid: unusedPid }), {
      message: `attach 'gone': no process with pid ${unusedPid}`,
    })
    await assert.rejects(
      resolveAttach({ name: 'gone', match: randomUUID() }),
      /attach 'gone': no process command line matches/
    )
    const free = await freePort()
    await assert.rejects(resolveAttach({ name: 'gone', port: free }), {
      message: `attach 'gone': no process listens on TCP port ${free}`,
    })
    await assert.rejects(
      resolveAttach({ name: 'bad', match: '(' }),
      /attach 'bad': match '\(' is not a valid regular expression/
    )
  })
})

describe('describeAttach', () => {
  it('describes matches and misses without throwing', async () => {
    assert.deepEqual(await describeAttach({ name: 'legacy', port }), [
      `pid ${children[0]!.pid} (${process.execPath} -e ${kListener} ${marker})`,
    ])
    assert.deepEqual(await describeAttach({ name: 'gone', match: 'x^' }), [
      'no process command line matches /x^/ (yet)',
    ])
  })
})
