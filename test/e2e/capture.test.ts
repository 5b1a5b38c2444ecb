/**
 * `spec.capture` end to end through the built CLI, with real namespaces and tcpdump (root): a
 * client on one host calls a server on another, a partition cuts them apart in the middle.
 * The pcap files are read back by the test's own parser (test/support/pcap-read.ts), and the
 * partition is checked in them against the journal's fault.injected / fault.reverted times.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { cliPath, workspace, type Workspace } from '../support/cli.js'
import { readPcap, type PcapPacket } from '../support/pcap-read.js'
import { parseJournal } from '../../src/engine/journal.js'
import type { JournalEvent } from '../../src/engine/events.js'
import type { RunResult } from '../../src/engine/result.js'
import { ledgerFiles, parseLedgerLines, pendingEntries } from '../../src/safety/ledger.js'
import { isSameProcess, processStartTime } from '../../src/safety/proc.js'

const ws: Workspace = workspace()
after(() => ws.cleanup())

const node = process.execPath
/** Writes its address where the test reads it, then echoes what it is sent. */
const SERVER = `require('node:fs').writeFileSync(process.argv[2], process.argv[1]); require('node:net').createServer((s) => { s.on('error', () => {}); s.on('data', (d) => s.end(d)) }).listen(7000, process.argv[1])`
/** Opens a connection to the server every 50 ms and says ping. */
const CLIENT = `require('node:fs').writeFileSync(process.argv[3], process.argv[2]); const net = require('node:net'); setInterval(() => { const s = net.connect({ host: process.argv[1], port: 7000, timeout: 300 }); s.on('connect', () => s.write('ping')); s.on('data', () => s.end()); s.on('timeout', () => s.destroy()); s.on('error', () => {}) }, 50)`
/** Sends as fast as each connection takes it; the echo server ends each one, so it reconnects. */
const FLOOD = `const net = require('node:net'); const chunk = Buffer.alloc(65536, 120); const go = () => { const s = net.connect({ host: process.argv[1], port: 7000 }); const pump = () => { while (s.write(chunk)); }; s.on('connect', pump); s.on('drain', pump); s.on('error', () => {}); s.on('close', () => setTimeout(go, 5)) }; go()`

function manifest(name: string, capture: string, steps: string, client = CLIENT): string {
  const args = (script: string, ...rest: string[]) =>
    `['-e', ${JSON.stringify(script)}, ${rest.map((r) => `'${r}'`).join(', ')}]`
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: the client reaches the server again after the partition
  deadline: 10m
  system:
    networks: [{ name: lan }]
    hosts:
      - { name: client, networks: [lan] }
      - { name: server, networks: [lan] }
    services:
      - name: echo
        command: ${node}
        args: ${args(SERVER, '{{host.address}}', path.join(ws.dir, `${name}-server-address`))}
        hosts: [server]
        readiness: { tcp: '{{host.address}}:7000' }
      - name: caller
        command: ${node}
        args: ${args(client, '{{hosts.server.address}}', '{{host.address}}', path.join(ws.dir, `${name}-client-address`))}
        hosts: [client]
  capture:
${capture}
  steps:
${steps}
`
}

const between = (a: string, b: string) => (p: PcapPacket) =>
  (p.src === a && p.dst === b) || (p.src === b && p.dst === a)

function eventTime(events: JournalEvent[], type: string): number {
  const e = events.find((x) => x.type === type)
  assert.ok(e, `no ${type} in the journal`)
  return e.t
}

describe('capture e2e', () => {
  test('two hosts and a partition: both files hold the TCP traffic, none of it during the partition', async () => {
    const report = path.join(ws.dir, 'report')
    const r = await ws.runManifest(
      'cut',
      manifest(
        'cut',
        '    maxSize: 20Mi',
        `    - { name: before, wait: 2s }
    - name: cut
      fault: { type: network-partition, between: [[client], [server]], duration: 3s }
    - { name: after, wait: 2s }`
      ),
      ['--report', report]
    )
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const result = r.result!
    const serverAddress = readFileSync(path.join(ws.dir, 'cut-server-address'), 'utf8')
    const clientAddress = readFileSync(path.join(ws.dir, 'cut-client-address'), 'utf8')
    const injected = eventTime(r.events, 'fault.injected')
    const reverted = eventTime(r.events, 'fault.reverted')
    assert.deepEqual(
      result.captures?.map((c) => [c.host, c.file, c.truncated]),
      [
        ['client', path.join(report, 'capture', 'client.pcap'), false],
        ['server', path.join(report, 'capture', 'server.pcap'), false],
      ]
    )
    for (const c of result.captures!) {
      const pcap = readPcap(c.file)
      assert.equal(pcap.linkType, 276, 'LINUX_SLL2: tcpdump -i any')
      assert.equal(pcap.trailing, 0, `${c.host}: whole records only`)
      assert.equal(statSync(c.file).size, c.bytes)
      assert.equal(pcap.packets.length, c.packets)
      const tcp = pcap.packets.filter(
        (p) => between(clientAddress, serverAddress)(p) && (p.sport === 7000 || p.dport === 7000)
      )
      // The client calls every 50 ms for 2 s before and after: handshakes on both sides.
      const syns = (from: number, to: number) =>
        tcp.filter((p) => p.t >= from && p.t < to && p.flags === 0x02 && p.dport === 7000)
      assert.ok(syns(0, injected).length >= 10, `${c.host}: SYNs before the partition`)
      assert.ok(syns(reverted, Infinity).length >= 10, `${c.host}: SYNs after it heals`)
      // Rules are in place before fault.injected is journaled and removed just before
      // fault.reverted: the margin covers the removal and the journal write, nothing else.
      const during = tcp.filter((p) => p.t >= injected && p.t < reverted - 250)
      assert.ok(reverted - 250 - injected >= 2500)
      assert.deepEqual(during, [], `${c.host}: no packet crossed the partition`)
      assert.equal(Date.parse(c.firstPacketAt!), Math.floor(pcap.packets[0]!.t))
    }
    // A normal end stops every tcpdump itself: nothing left in the ledger for a watchdog.
    assert.deepEqual(ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries), [])
    // Every way the user sees it: summary, and the HTML report's embedded data.
    assert.match(r.stdout, /captures\n {2}client {2}.*client\.pcap/)
    assert.match(r.stdout, /cut {2}\d\d:\d\d:\d\d\.\d{3}Z → .*s in the file\)/)
    const html = readFileSync(path.join(report, 'report.html'), 'utf8')
    const data = JSON.parse(
      /<script type="application\/json" id="ordeal-report-data">(.*?)<\/script>/s.exec(html)![1]!
    ) as { captures: { host: string; windows: { fault: string; fromS: number }[] }[] }
    const window = data.captures[0]!.windows[0]!
    assert.equal(window.fault, 'cut')
    assert.ok(window.fromS > 1.5 && window.fromS < 10, String(window.fromS))
  })

  test('a tiny cap under a flood: the file keeps the start, within the cap, marked truncated', async () => {
    const cap = 256 * 1024
    const r = await ws.runManifest(
      'flood',
      manifest(
        'flood',
        `    maxSize: ${cap}\n    hosts: [server]`,
        '    - { name: flood, wait: 2s }',
        FLOOD
      )
    )
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    const [c] = r.result!.captures!
    assert.equal(c?.host, 'server')
    assert.equal(c.truncated, true)
    const size = statSync(c.file).size
    assert.ok(size <= cap, `${size} <= ${cap}`)
    assert.equal(size, c.bytes)
    const pcap = readPcap(c.file)
    assert.equal(pcap.trailing, 0)
    assert.equal(pcap.packets.length, c.packets)
    assert.ok(c.packets! > 3, `kept ${c.packets} packets`)
    // Kept from the start: the first packet comes before the flood's steps end.
    assert.ok(pcap.packets[0]!.t <= eventTime(r.events, 'step.ended'))
  })

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    test(`${signal} to the runner while capturing: no tcpdump is left, the files are whole`, async () => {
      const name = `kill-${signal.toLowerCase()}`
      const file = ws.write(
        `${name}.yaml`,
        manifest(name, '    snaplen: 128', '    - { name: long, wait: 10m }')
      )
      const journal = path.join(ws.dir, `${name}.ndjson`)
      const json = path.join(ws.dir, `${name}.json`)
      const child = spawn(node, [cliPath, 'run', file, '--journal', journal, '--json', json], {
        cwd: ws.dir,
        env: { ...process.env, ORDEAL_STATE_DIR: ws.stateDir, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      after(() => child.kill('SIGKILL'))
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.stderr.on('data', (d: Buffer) => (out += d.toString()))
      const exited = new Promise<number | null>((resolve) =>
        child.on('exit', (code) => resolve(code))
      )
      const events = () => (existsSync(journal) ? parseJournal(readFileSync(journal, 'utf8')) : [])
      await until(
        () => events().some((e) => e.type === 'step.started'),
        60_000,
        () => out
      )
      const started = events().find((e) => e.type === 'capture.started')
      assert.ok(started && started.type === 'capture.started')
      // The ledger names each tcpdump with its pid and start time: those are the processes.
      const runStarted = events().find((e) => e.type === 'run.started')
      assert.ok(runStarted && runStarted.type === 'run.started')
      const ledger = path.join(ws.stateDir, 'ledgers', `${runStarted.runId}.ndjson`)
      const tcpdumps = parseLedgerLines(readFileSync(ledger, 'utf8')).flatMap((l) =>
        l.op === 'record' && l.undo.kind === 'terminate' && l.faultId === 'capture' ? [l.undo] : []
      )
      assert.equal(tcpdumps.length, 2)
      for (const t of tcpdumps) {
        assert.equal(readFileSync(`/proc/${t.pid}/comm`, 'utf8').trim(), 'tcpdump')
        assert.equal(processStartTime(t.pid), t.startTime)
      }
      child.kill(signal)
      const code = await exited
      if (signal === 'SIGINT') {
        assert.equal(code, 130, out)
        const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult
        assert.equal(result.captures?.length, 2)
      }
      // After SIGKILL the watchdog undoes the ledger: poll for the processes' end, bounded.
      await until(
        () => tcpdumps.every((t) => !isSameProcess(t.pid, t.startTime)),
        30_000,
        () => `tcpdump still running: ${tcpdumps.map((t) => t.pid).join(', ')}`
      )
      for (const { file: pcapFile } of started.captures) {
        const pcap = readPcap(pcapFile)
        assert.equal(pcap.trailing, 0, `${pcapFile}: whole records`)
        assert.ok(pcap.snaplen === 128)
      }
    })
  }

  test('bad capture input is exit 2 with one line naming file, line and field', async () => {
    const good = manifest('bad', '    maxSize: 1Mi', '    - { name: w, wait: 1s }')
    const cases: [string, string, RegExp][] = [
      [
        'maxSize: 1Mi',
        'maxSize: -1',
        /bad\.yaml:\d+: spec\.capture\.maxSize: must be at least 1024 bytes/,
      ],
      [
        'maxSize: 1Mi',
        'hosts: [nosuch]',
        /bad\.yaml:\d+: spec\.capture\.hosts\[0\]: no host named 'nosuch'/,
      ],
      ['maxSize: 1Mi', 'snaplen: 10', /bad\.yaml:\d+: spec\.capture\.snaplen: must be at least 64/],
      // Compiled with `tcpdump -d` when the manifest loads: bad input, before anything exists.
      [
        'maxSize: 1Mi',
        "filter: 'tcp port nosuchport'",
        /bad\.yaml:\d+: spec\.capture\.filter: tcpdump cannot compile this filter: .*nosuchport/,
      ],
    ]
    for (const [from, to, line] of cases) {
      const file = ws.write('bad.yaml', good.replace(from, to))
      for (const args of [
        ['validate', file],
        ['run', file],
      ]) {
        const r = await ws.run(args)
        assert.equal(r.exitCode, 2, `${to}: ${r.stdout}${r.stderr}`)
        assert.match(r.stderr, line)
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
      }
    }
    const loopback = ws.write(
      'bad.yaml',
      `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: loopback }
spec:
  hypothesis: h
  capture: { maxSize: 1Mi }
  steps: [{ name: w, wait: 1s }]
`
    )
    const r = await ws.run(['validate', loopback])
    assert.equal(r.exitCode, 2)
    assert.match(
      r.stderr,
      /bad\.yaml:6: spec\.capture: capture records the traffic of spec\.system\.hosts/
    )
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  })
})

/** Polls a real condition every 100 ms, failing with `why()` past `ms`. */
async function until(ok: () => boolean, ms: number, why: () => string): Promise<void> {
  const end = Date.now() + ms
  while (!ok()) {
    if (Date.now() > end) {
      throw new Error(`timed out: ${why()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
