/**
 * Preconditions fail before anything is touched: no root (simulated through the injectable
 * check, not by dropping privileges), and network-latency on a kernel without netem (real
 * detection on this machine). Also: manifest references are checked with did-you-mean.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadExperimentText } from '../../../src/experiment/load.js'
import { runExperiment } from '../../../src/engine/runner.js'
import { netemAvailable } from '../../../src/platforms/local/network/preflight.js'
import { ordealNetworkObjects } from '../../../src/platforms/local/network/stray.js'

const stateDir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-preflight-'))
process.env['ORDEAL_STATE_DIR'] = stateDir
after(() => rmSync(stateDir, { recursive: true, force: true }))

const manifest = (fault: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: preflight }
spec:
  hypothesis: h
  system:
    networks: [{ name: lan }]
    hosts: [{ name: pfa, networks: [lan] }, { name: pfb, networks: [lan] }]
  steps:
    - fault: ${fault}
`
// Other test files create namespaces concurrently; this run's hosts have names of their own.
const ownObjects = () => ordealNetworkObjects().filter((o) => /-pf[ab]$/.test(o.name))
const load = (fault: string) =>
  loadExperimentText(manifest(fault), path.join(os.tmpdir(), 'preflight.yaml'))

test('without root: the run errors before any namespace exists, naming the proxy', async () => {
  const result = await runExperiment(
    load('{ type: network-partition, between: [[pfa], [pfb]], duration: 1s }'),
    { networkChecks: { isRoot: () => false } }
  )
  assert.equal(result.verdict, 'error')
  const failed = JSON.stringify(result)
  assert.match(failed, /need root/)
  assert.match(failed, /ordeal proxy/)
  assert.deepEqual(ownObjects(), [], 'no namespace or link of this run')
})

test('network-latency on a kernel without netem fails before touching anything', async (t) => {
  if (await netemAvailable()) {
    t.skip('this kernel has netem')
    return
  }
  const result = await runExperiment(
    load('{ type: network-latency, host: pfa, latency: 100ms, duration: 1s }')
  )
  assert.equal(result.verdict, 'error')
  assert.match(JSON.stringify(result), /this kernel has no netem.*ordeal proxy/)
  assert.deepEqual(ownObjects(), [], 'no namespace or link of this run')
})

test('unknown hosts and networks are manifest errors with did-you-mean', () => {
  const text = manifest('{ type: network-loss, host: pfaa, percent: 10, duration: 1s }').replace(
    'networks: [lan] }, { name: pfb',
    'networks: [lam] }, { name: pfb'
  )
  assert.throws(
    () => loadExperimentText(text, path.join(os.tmpdir(), 'x.yaml')),
    (error: Error) =>
      /no network named 'lam'.*did you mean 'lan'/s.test(error.message) &&
      /no host named 'pfaa'.*did you mean 'pfa'/s.test(error.message)
  )
})
