/**
 * `ordeal run` with hosts and a partition, end to end through the built CLI: replicas run inside
 * their hosts' namespaces (their own pid, in the namespace), the partition's rules exist while it
 * is active, and SIGINT mid-fault exits 130 with every namespace, link and rule gone.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync, readlinkSync, statSync } from 'node:fs'
import path from 'node:path'
import { cliPath, workspace } from '../support/cli.js'
import { ledgerFiles, pendingEntries } from '../../src/safety/ledger.js'
import { ordealNetworkObjects } from '../../src/platforms/local/network/stray.js'
import { netIdOf } from '../../src/platforms/local/network/names.js'
import { runArgv } from '../../src/safety/exec.js'

const ws = workspace()
after(() => ws.cleanup())

const SERVER = `require('node:net').createServer((s) => s.on('error', () => {}).end('hi')).listen(7000, process.argv[1])`

const yaml = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: net-sigint }
spec:
  hypothesis: the cluster survives a partition
  system:
    networks: [{ name: left }, { name: right }]
    hosts:
      - { name: a, networks: [left] }
      - { name: b, networks: [left, right] }
      - { name: c, networks: [right] }
    services:
      - name: echo
        command: ${process.execPath}
        args: ['-e', ${JSON.stringify(SERVER)}, '{{host.address}}']
        hosts: [a, b, c]
        readiness: { tcp: '{{host.address}}:7000' }
  steps:
    - name: split
      fault: { type: network-partition, between: [[a], [b, c]], duration: 10m }
`

describe('network e2e', () => {
  test('SIGINT while a partition is active: exit 130, nothing of ordeal left', async () => {
    const file = ws.write('net.yaml', yaml)
    const json = path.join(ws.dir, 'net.json')
    const journal = path.join(ws.dir, 'net.ndjson')
    const child = spawn(
      process.execPath,
      [cliPath, 'run', file, '--json', json, '--journal', journal],
      {
        cwd: ws.dir,
        env: { ...process.env, ORDEAL_STATE_DIR: ws.stateDir, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    )
    // A failed assertion must not orphan the runner: its state dir is deleted by cleanup.
    after(() => child.kill('SIGINT'))
    let out = ''
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code))
    )
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no injection: ${out}`)), 30_000)
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        if (/network-partition injected/.test(out)) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    // Other test files create their own namespaces concurrently: look only at this run's,
    // found through the namespace its first replica lives in.
    const events = readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; pid?: number; replica?: number })
    const first = events.find((e) => e.type === 'service.started')!
    const inode = readlinkSync(`/proc/${first.pid}/ns/net`)
    const own = ordealNetworkObjects().find(
      (o) => o.object === 'namespace' && `net:[${statSync(`/run/netns/${o.name}`).ino}]` === inode
    )!
    const netId = netIdOf(own.name)
    const mine = (o: { name: string }) => netIdOf(o.name) === netId
    const created = ordealNetworkObjects().filter(mine)
    const namespaces = created.filter((o) => o.object === 'namespace').map((o) => o.name)
    assert.equal(namespaces.length, 3, JSON.stringify(created))
    // Each replica runs inside its host's namespace, under its own pid.
    const started = events.filter((e) => e.type === 'service.started')
    assert.equal(
      started.length,
      3,
      JSON.stringify(events.filter((e) => e.type.startsWith('service')))
    )
    for (const e of started) {
      const host = ['a', 'b', 'c'][e.replica!]!
      const ns = namespaces.find((n) => n.endsWith(`-${host}`))!
      assert.equal(
        readlinkSync(`/proc/${e.pid}/ns/net`),
        `net:[${statSync(`/run/netns/${ns}`).ino}]`,
        `replica ${e.replica} runs in ${ns}`
      )
      assert.match(readFileSync(`/proc/${e.pid}/cmdline`, 'utf8'), /^[^\0]*node/)
    }
    const nsA = namespaces.find((n) => n.endsWith('-a'))!
    const rules = (await runArgv(['ip', 'netns', 'exec', nsA, 'iptables-save'])).stdout
    assert.match(rules, /--comment "?ordeal:net-sigint/)

    child.kill('SIGINT')
    assert.equal(await exited, 130, out)
    assert.deepEqual(ordealNetworkObjects().filter(mine), [], 'no namespace, veth or bridge left')
    assert.deepEqual(ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries), [])
    const result = JSON.parse(readFileSync(json, 'utf8')) as { verdict: string }
    assert.equal(result.verdict, 'interrupted')
  })
})
