import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { once } from 'node:events'
import { tcpProbe } from '../../../src/probes/tcp/index.js'
import type { ProbeParamsOf } from '../../../src/probes/contract.js'
import { freePort } from '../../support/free-port.js'
import { probeBase, probeContext } from '../../support/probe-context.js'

type Params = ProbeParamsOf<'tcp'>
const params = (p: Omit<Params, 'name' | 'mode' | 'type'>): Params => ({
  ...probeBase,
  type: 'tcp',
  ...p,
})

/**
 * A listener that never accepts, with its accept queue filled: the kernel then drops new SYNs,
 * which is how a port behind a dropping firewall or a partition looks to a client.
 */
async function startBlackhole(): Promise<{ port: number; stop(): Promise<void> }> {
  // Node always accepts; a Python listener with backlog 0 that never calls accept() does not.
  const child = spawn(
    'python3',
    [
      '-c',
      "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] }
  )
  const [line] = (await once(child.stdout!, 'data')) as [Buffer]
  const port = Number(line.toString().trim())
  const fillers: net.Socket[] = []
  // Fill the queue until a connect no longer completes (bounded: a few tries).
  for (let i = 0; i < 8; i++) {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.on('error', () => undefined)
    fillers.push(socket)
    const connected = await Promise.race([
      once(socket, 'connect').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
    ])
    if (!connected) {
      break
    }
  }
  return {
    port,
    async stop() {
      for (const socket of fillers) {
        socket.destroy()
      }
      await stopChild(child)
    },
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit')
    child.kill('SIGKILL')
    await exited
  }
}

describe('tcp probe against real listeners', () => {
  let server: net.Server
  let openPort: number
  let closedPort: number

  before(async () => {
    server = net.createServer((socket) => socket.end())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    openPort = (server.address() as AddressInfo).port
    closedPort = await freePort()
  })
  after(() => new Promise((resolve) => server.close(resolve)))

  it('passes on an open port and fails when it expected closed', async () => {
    const open = await tcpProbe.check(params({ port: openPort }), probeContext())
    assert.deepEqual(open, { passed: true, message: `127.0.0.1:${openPort} open`, value: 'open' })
    const wrong = await tcpProbe.check(params({ port: openPort, expect: 'closed' }), probeContext())
    assert.deepEqual(wrong, {
      passed: false,
      message: `127.0.0.1:${openPort} open, expected closed`,
      value: 'open',
    })
  })

  it('treats a refused connection as closed, not as a throw', async () => {
    const open = await tcpProbe.check(params({ port: closedPort }), probeContext())
    assert.deepEqual(open, {
      passed: false,
      message: `127.0.0.1:${closedPort} ECONNREFUSED, expected open`,
      value: 'closed',
    })
    const closed = await tcpProbe.check(
      params({ port: closedPort, expect: 'closed' }),
      probeContext()
    )
    assert.equal(closed.passed, true)
    const portOne = await tcpProbe.check(params({ host: '127.0.0.1', port: 1 }), probeContext())
    assert.equal(portOne.passed, false)
    assert.match(portOne.message, /ECONNREFUSED/)
  })

  it('renders the host and port from templates', async () => {
    const vars = { services: { api: { host: '127.0.0.1', ports: { http: openPort } } } }
    const result = await tcpProbe.check(
      params({ host: '{{services.api.host}}', port: '{{services.api.ports.http}}' }),
      probeContext({ vars })
    )
    assert.equal(result.passed, true, result.message)
    const notAPort = await tcpProbe.check(
      params({ port: '{{services.api.host}}' }),
      probeContext({ vars })
    )
    assert.deepEqual(notAPort, {
      passed: false,
      message: 'port "127.0.0.1" is not a port number (1-65535)',
    })
    const unknown = await tcpProbe.check(
      params({ port: '{{services.db.port}}' }),
      probeContext({ vars })
    )
    assert.equal(unknown.passed, false)
    assert.match(unknown.message, /unknown template variable/)
  })

  describe('a port that never answers', () => {
    let blackhole: Awaited<ReturnType<typeof startBlackhole>>
    before(async () => {
      blackhole = await startBlackhole()
    })
    after(() => blackhole.stop())

    it('fails expect open within the timeout', async () => {
      const started = Date.now()
      const result = await tcpProbe.check(
        params({ port: blackhole.port }),
        probeContext({ timeoutMs: 200 })
      )
      const elapsed = Date.now() - started
      assert.deepEqual(result, {
        passed: false,
        message: `127.0.0.1:${blackhole.port} no answer within 200ms, expected open`,
        value: 'closed',
      })
      assert.ok(elapsed >= 150 && elapsed < 1000, `took ${elapsed}ms`)
    })

    it('passes expect closed (a dropping firewall is not accepting)', async () => {
      const result = await tcpProbe.check(
        params({ port: blackhole.port, expect: 'closed' }),
        probeContext({ timeoutMs: 200 })
      )
      assert.equal(result.passed, true, result.message)
    })

    it('fails when the engine aborts the attempt, whatever it expected', async () => {
      const controller = new AbortController()
      setTimeout(() => controller.abort(), 50)
      const result = await tcpProbe.check(
        params({ port: blackhole.port, expect: 'closed' }),
        probeContext({ signal: controller.signal, timeoutMs: 10_000 })
      )
      assert.deepEqual(result, { passed: false, message: `127.0.0.1:${blackhole.port} aborted` })
    })
  })

  it('describes itself in one line', () => {
    assert.equal(
      tcpProbe.describe(params({ port: '{{services.api.ports.http}}' })),
      'tcp 127.0.0.1:{{services.api.ports.http}} expect open'
    )
  })
})
