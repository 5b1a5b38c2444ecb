/**
 * The runner SIGKILLed mid-fault (built CLI, `npm run build` first): its watchdog replays the
 * ledger's kubernetes undos, from the connection data alone, against the real API server, so
 * a scaled-down Deployment gets its replicas back and a cordoned node is uncordoned; with the
 * API server down at the revert, the run ends and its watchdog finishes the undo later.
 */
import assert from 'node:assert/strict'
import { after, afterEach, before, test } from 'node:test'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { deploy, jsonpath } from '../../support/k8s-fault-objects.js'
import { workspace, type Workspace } from '../../support/cli.js'
import { startRunner, type RunnerProcess } from '../../support/runner-process.js'
import { waitUntil } from '../../support/fault-proc.js'

let cluster: TestCluster
const workspaces: Workspace[] = []
let runner: RunnerProcess | undefined
before(async () => {
  cluster = await startTestCluster()
})
afterEach(() => runner?.killGroup())
after(async () => {
  workspaces.forEach((w) => w.cleanup())
  await cluster?.stop()
})

/** Starts `ordeal run` on a one-step manifest holding `fault` for a minute. */
function runFault(ns: string, fault: string): RunnerProcess {
  const ws = workspace()
  workspaces.push(ws)
  const file = ws.write(
    'k8s.yaml',
    `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: k8s-watchdog }
spec:
  hypothesis: the watchdog undoes what a dead runner left.
  deadline: 5m
  system:
    kubernetes: { namespace: ${ns}, kubeconfig: ${cluster.kubeconfig} }
  steps:
    - name: hold
      fault: ${fault}
`
  )
  runner = startRunner(['run', file], {
    cwd: ws.dir,
    env: { ORDEAL_STATE_DIR: ws.stateDir, ORDEAL_LEASE_MS: '1500' },
  })
  return runner
}

test(
  'runner killed mid workload-scale: the watchdog restores the replicas',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('scale-kill')
    await deploy(cluster, 'api', ns, 3)
    const r = runFault(
      ns,
      '{ type: workload-scale, workload: deployment/api, replicas: 1, duration: 1m }'
    )
    await r.waitFor(/scaled deployment\/api from 3 to 1 replicas/, 60_000)
    assert.equal(
      await jsonpath(cluster, ['-n', ns, 'get', 'deployment', 'api'], '{.spec.replicas}'),
      '1'
    )
    r.killGroup()
    await r.exited
    // The watchdog's patch is an event on the Deployment: kubectl wait watches for it.
    await cluster.kubectl(
      ['-n', ns, 'wait', 'deployment/api', '--for=jsonpath={.spec.replicas}=3', '--timeout=60s'],
      { timeoutMs: 70_000 }
    )
  }
)

test(
  'runner killed mid node-cordon: the watchdog uncordons the node',
  { timeout: 120_000 },
  async () => {
    const ns = await cluster.namespace('cordon-kill')
    const r = runFault(ns, '{ type: node-cordon, nodes: { name: kwok-node-1 }, duration: 1m }')
    await r.waitFor(/cordoned node kwok-node-1/, 60_000)
    assert.equal(
      await jsonpath(cluster, ['get', 'node', 'kwok-node-1'], '{.spec.unschedulable}'),
      'true'
    )
    r.killGroup()
    await r.exited
    // kubectl wait cannot wait for a field to go away: poll it.
    await waitUntil(
      'kwok-node-1 uncordoned',
      async () =>
        (await jsonpath(cluster, ['get', 'node', 'kwok-node-1'], '{.spec.unschedulable}')) === '',
      { timeoutMs: 60_000, intervalMs: 200 }
    )
  }
)

test(
  'the API server down at the revert: the run ends at once in a one-line error, and its watchdog restores the replicas once the server is back',
  { timeout: 180_000 },
  async () => {
    const ns = await cluster.namespace('outage')
    await deploy(cluster, 'api', ns, 3)
    const r = runFault(
      ns,
      '{ type: workload-scale, workload: deployment/api, replicas: 1, duration: 3s }'
    )
    await r.waitFor(/scaled deployment\/api from 3 to 1 replicas/, 60_000)
    await cluster.stopApiServer()
    try {
      await r.waitFor(/could not be reverted: (.*)/, 60_000)
      // The run does not hang on the outage: it ends (exit 3) and says who keeps retrying.
      await r.exited
    } finally {
      await cluster.startApiServer()
    }
    assert.equal(r.child.exitCode, 3, r.output())
    assert.match(r.output(), /watchdog \(pid \d+\) keeps retrying/)
    const line = /could not be reverted: (.*)/.exec(r.output())![1]!
    assert.match(
      line,
      /^workload-scale: restore deployment\/api to 3 replicas \(if still 1\): .*ECONNREFUSED/
    )
    assert.ok(!/\n\s+at /.test(r.output()), `no stack trace:\n${r.output()}`)
    await cluster.kubectl(
      ['-n', ns, 'wait', 'deployment/api', '--for=jsonpath={.spec.replicas}=3', '--timeout=60s'],
      { timeoutMs: 70_000 }
    )
  }
)
