/**
 * The run's resolver in whole runs (needs root): a service on a host resolves another host's
 * name with glibc (`getent hosts`, its own output is the observation), a dns-fault makes it
 * fail for the window, the journal gets one summary line, and after every ending (normal end,
 * SIGINT, SIGKILL of the runner) no /etc/netns file of the run and no port 53 is left. A run with
 * hosts and no dns-fault has no resolver at all.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { loadExperimentText } from '../../../src/experiment/load.js'
import { runExperiment } from '../../../src/engine/runner.js'
import type { JournalEvent } from '../../../src/engine/events.js'
import { ledgerFiles, pendingEntries } from '../../../src/safety/ledger.js'
import { NETNS_ETC } from '../../../src/dns/host-config.js'
import { runArgv } from '../../../src/safety/exec.js'
import { workspace, type Workspace } from '../../support/cli.js'
import { startRunner, until } from '../../support/runner-process.js'

let ws: Workspace
before(() => {
  ws = workspace()
  process.env['ORDEAL_STATE_DIR'] = ws.stateDir
})
after(() => ws.cleanup())

const kLeaseMs = 1000

const LOOKUPS = 'while :; do getent hosts n2 || echo n2-missing; sleep 0.05; done'

/** A run whose `client` on host n1 runs `command`, with `step` between two short waits. */
function manifest(name: string, step: string, command = LOOKUPS): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: ${name} }
spec:
  hypothesis: h
  deadline: 2m
  system:
    networks: [{ name: lan }]
    hosts: [{ name: n1, networks: [lan] }, { name: n2, networks: [lan] }]
    services:
      - name: client
        host: n1
        command: sh
        args: ['-c', '${command}']
        restart: never
  steps:
    - { name: settle, wait: 500ms }
    - ${step}
    - { name: after, wait: 500ms }
`
}

/** Files the run left in /etc/netns (ordeal's per-namespace directories of this net id). */
const leftFiles = (netId: string) =>
  existsSync(NETNS_ETC) ? readdirSync(NETNS_ETC).filter((n) => n.startsWith(`ord-${netId}-`)) : []

/** The run's resolver address, from host n1's resolv.conf while the run lives. */
function nameserverOf(netId: string): string {
  const text = readFileSync(path.join(NETNS_ETC, `ord-${netId}-n1`, 'resolv.conf'), 'utf8')
  return /^nameserver (\S+)$/m.exec(text)![1]!
}

/** Sockets (UDP or TCP) still bound to port 53 of that address. */
async function resolverSockets(gateway: string): Promise<string[]> {
  const out = (await runArgv(['ss', '-Hlntu'])).stdout
  return out.split('\n').filter((l) => l.includes(`${gateway}:53 `))
}

test('normal end: the service sees the fault, the journal sums it up, nothing is left', async () => {
  const events: JournalEvent[] = []
  const logs: string[] = []
  const experiment = loadExperimentText(
    manifest(
      'dns-normal',
      'fault: { type: dns-fault, names: [n2], answer: nxdomain, duration: 1s }'
    ),
    path.join(os.tmpdir(), 'dns-normal.yaml')
  )
  let gateway = ''
  const result = await runExperiment(experiment, {
    onEvent: (e) => {
      events.push(e)
      if (e.type === 'fault.injected') {
        gateway = nameserverOf(
          (events.find((x) => x.type === 'network.created') as { netId: string }).netId
        )
      }
    },
    onLog: (line) => {
      logs.push(line)
    },
  })
  assert.equal(result.verdict, 'pass', JSON.stringify(result.faults))
  const created = events.find((e) => e.type === 'network.created') as
    Extract<JournalEvent, { type: 'network.created' }> | undefined
  assert.ok(created)
  // The service's own output: n2's address before and after the window, NXDOMAIN inside it.
  const answered = logs.filter((l) => /198\.1[89]\.\d+\.2\s+n2/.test(l))
  const missing = logs.filter((l) => l.includes('n2-missing'))
  assert.ok(answered.length > 0, logs.slice(0, 5).join('\n'))
  assert.ok(missing.length > 0, 'lookups failed during the fault')
  const lastMissing = logs.lastIndexOf(missing.at(-1)!)
  assert.ok(
    logs.slice(lastMissing).some((l) => /198\.1[89]\.\d+\.2\s+n2/.test(l)),
    'right again after the revert'
  )
  const actions = result.faults[0]!.actions.map((a) => a.detail)
  const summary = actions.find((a) => a.startsWith('dns-fault answered'))
  assert.match(summary ?? '', /^dns-fault answered \d+ quer(y|ies) nxdomain$/)
  assert.ok(Number(/answered (\d+)/.exec(summary!)![1]) >= missing.length)
  assert.deepEqual(leftFiles(created.netId), [])
  assert.match(gateway, /^198\.1[89]\.\d+\.254$/)
  assert.deepEqual(await resolverSockets(gateway), [])
})

test('hosts without a dns-fault: no resolver, no /etc/netns file, no port 53, no ledger entry', async () => {
  const events: JournalEvent[] = []
  const logs: string[] = []
  let seen: { files: string[]; gateways: boolean; port53: string[]; entries: string[] } | undefined
  const experiment = loadExperimentText(
    manifest(
      'dns-none',
      '{ name: hold, wait: 500ms }',
      'echo ordeal-lines: $(cat /etc/resolv.conf 2>/dev/null | grep -c ordeal); while :; do sleep 1; done'
    ),
    path.join(os.tmpdir(), 'dns-none.yaml')
  )
  const result = await runExperiment(experiment, {
    onEvent: (e) => {
      events.push(e)
      if (e.type === 'system.ready') {
        // While the system runs: what a resolver would have put in place by now.
        const netId = (events.find((x) => x.type === 'network.created') as { netId: string }).netId
        seen = {
          files: leftFiles(netId),
          // Its bridges carry the gateways a resolver would listen on (else the next is vacuous).
          gateways: ownGateways(netId).length > 0,
          // This run's gateways only: another test's run may serve DNS on its own meanwhile.
          port53: execFileSync('ss', ['-Hlntu'], { encoding: 'utf8' })
            .split('\n')
            .filter((l) => ownGateways(netId).some((a) => l.includes(`${a}:53 `))),
          entries: ledgerFiles(path.join(ws.stateDir, 'ledgers'))
            .flatMap(pendingEntries)
            .map((entry) => entry.undo.label)
            .filter((label) => /netns\/|resolv\.conf|resolver/.test(label)),
        }
      }
    },
    onLog: (line) => {
      logs.push(line)
    },
  })
  assert.equal(result.verdict, 'pass', JSON.stringify(result))
  assert.deepEqual(seen, { files: [], gateways: true, port53: [], entries: [] })
  // The host's process reads the machine's resolv.conf, not one of ordeal's.
  assert.ok(
    logs.some((l) => l.includes('ordeal-lines: 0')),
    logs.slice(0, 5).join('\n')
  )
})

for (const ending of ['SIGINT', 'SIGKILL'] as const) {
  test(`${ending} of the runner mid-fault: the hosts' files are removed, the resolver is gone`, async () => {
    const file = ws.write(
      `dns-${ending}.yaml`,
      manifest(
        `dns-${ending.toLowerCase()}`,
        'fault: { type: dns-fault, names: [n2], answer: servfail, duration: 10m }'
      )
    )
    const journal = path.join(ws.dir, `dns-${ending}.ndjson`)
    const runner = startRunner(['run', file, '--journal', journal], {
      cwd: ws.dir,
      env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: String(kLeaseMs) },
    })
    await runner.waitFor(/dns-fault injected/)
    const netId = readFileSync(journal, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; netId?: string })
      .find((e) => e.type === 'network.created')?.netId
    assert.ok(netId)
    assert.equal(leftFiles(netId).length, 2, 'each host has its resolv.conf while the run lives')
    const gateway = nameserverOf(netId)
    assert.equal((await resolverSockets(gateway)).length, 2, 'UDP and TCP while the run lives')
    if (ending === 'SIGINT') {
      process.kill(runner.child.pid!, 'SIGINT')
      await runner.exited
      assert.equal(runner.child.exitCode, 130, runner.output())
      assert.deepEqual(leftFiles(netId), [])
    } else {
      runner.killGroup()
      await runner.exited
      const pending = () => ledgerFiles(path.join(ws.stateDir, 'ledgers')).flatMap(pendingEntries)
      await until(() => leftFiles(netId).length === 0 && pending().length === 0, kLeaseMs + 3000)
    }
    assert.deepEqual(await resolverSockets(gateway), [])
  })
}

/** The IPv4 addresses on this run's links in the root namespace (its bridges: `ord-<netId>-…`). */
function ownGateways(netId: string): string[] {
  return execFileSync('ip', ['-o', '-4', 'addr', 'show'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.split(/\s+/)[1]?.includes(netId))
    .map((l) => /inet (\d+\.\d+\.\d+\.\d+)\//.exec(l)?.[1])
    .filter((a): a is string => a !== undefined)
}
