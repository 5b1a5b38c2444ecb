/**
 * The RabbitMQ launcher's first-boot ordering (examples/order-delivery/rabbitmq/node.sh), with a
 * stub in place of rabbitmq-server (RABBITMQ_SERVER): a node that has never finished a boot
 * waits for the members listed before it, a bounded wait ends with a line naming the peer, and
 * a node counts as booted by its marker file, not by a (possibly half-built) mnesia directory.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'

const kNodeSh = path.resolve('examples/order-delivery/rabbitmq/node.sh')

/** A port nothing listens on: bound, read, closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

function nodeSh(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn('bash', [kNodeSh, ...args], { env: { ...process.env, ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('node.sh first boot', { timeout: 60_000 }, () => {
  let dir: string
  let stub: string
  let peerPort: number
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ordeal-node-sh-'))
    // The stub "node": says it started, then (with STUB_LISTEN) opens its AMQP port for a moment.
    stub = path.join(dir, 'rabbitmq-server')
    writeFileSync(
      stub,
      [
        '#!/usr/bin/env bash',
        'echo "stub server $RABBITMQ_NODENAME started"',
        '[ -n "${STUB_LISTEN:-}" ] && exec python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\'127.0.0.1\', $RABBITMQ_NODE_PORT)); s.listen(); time.sleep(3)"',
        'exit 0',
        '',
      ].join('\n'),
      { mode: 0o755 }
    )
    peerPort = await closedPort()
  })
  after(() => rm(dir, { recursive: true, force: true }))

  const args = async (dataDir: string) => [
    '--name',
    'ord1',
    '--amqp-port',
    String(await closedPort()),
    '--dist-port',
    '1',
    '--epmd-port',
    '1',
    '--data-dir',
    dataDir,
    '--cluster',
    'ord0,ord1',
    '--cluster-amqp-ports',
    `${peerPort},1`,
  ]

  test('a peer that never comes up ends the wait with a line naming it', async () => {
    const r = await nodeSh(await args(path.join(dir, 'never')), {
      RABBITMQ_SERVER: stub,
      NODE_SH_PEER_WAIT_S: '1',
    })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stderr, new RegExp(`ord0 \\(amqp 127\\.0\\.0\\.1:${peerPort}\\) did not accept`))
    assert.doesNotMatch(r.stdout, /stub server/)
  })

  test('a node killed during its first boot (mnesia dir half built, no marker) still waits', async () => {
    const dataDir = path.join(dir, 'half-built')
    mkdirSync(path.join(dataDir, 'mnesia', 'ord1@localhost'), { recursive: true })
    const r = await nodeSh(await args(dataDir), {
      RABBITMQ_SERVER: stub,
      NODE_SH_PEER_WAIT_S: '1',
    })
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stdout, /waits for ord0/)
    assert.doesNotMatch(r.stdout, /stub server/)
  })

  test('after a complete first boot the marker exists and a re-created node does not wait', async () => {
    const dataDir = path.join(dir, 'booted')
    // The seed boots without waiting; its watcher writes the marker once its AMQP port answers.
    const seedArgs = (await args(dataDir)).map((a) => (a === 'ord1' ? 'ord0' : a))
    const first = await nodeSh(seedArgs, { RABBITMQ_SERVER: stub, STUB_LISTEN: '1' })
    assert.equal(first.code, 0, first.stdout + first.stderr)
    assert.ok(existsSync(path.join(dataDir, 'first-boot-done')), 'the marker was written')
    const again = await nodeSh(await args(dataDir), {
      RABBITMQ_SERVER: stub,
      NODE_SH_PEER_WAIT_S: '1',
    })
    assert.equal(again.code, 0, again.stdout + again.stderr)
    assert.doesNotMatch(again.stdout, /waits for/)
    assert.match(again.stdout, /stub server ord1@localhost started/)
  })
})
