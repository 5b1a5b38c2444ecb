/**
 * The built CLI against a real control plane: `ordeal run --dry-run` lists the real pods a
 * pod-delete would choose among (and says so when the cluster cannot be reached), and a run
 * with `spec.system.kubernetes` connects at system start or fails there in one line (exit 3).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { deploymentYaml } from '../../support/k8s-objects.js'
import { workspace, type Workspace } from '../../support/cli.js'
import { Ledger } from '../../../src/safety/ledger.js'
import {
  disposeSpareRunProcess,
  startRunChild,
} from '../../../src/platforms/local/run-process/child.js'
import { kScrubbedPolicy } from '../../../src/platforms/local/exec-policy.js'
import type { JournalEvent } from '../../../src/engine/events.js'
import { connectRunCluster, type ClusterGrant } from '../../../src/engine/kubernetes-system.js'
import type { Experiment } from '../../../src/experiment/model.js'

const T = { timeout: 180_000 }
let cluster: TestCluster
let ws: Workspace

const manifest = (namespace: string, step: string, extra = '') => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: k8s-cli }
spec:
  hypothesis: orders survives losing a pod
  system:
    kubernetes: { namespace: ${namespace}${extra} }
  steps:
    - ${step}
`

before(
  async () => {
    cluster = await startTestCluster()
    ws = workspace()
    await cluster.namespace('shop')
    await cluster.kubectl(['apply', '-f', '-'], {
      input: deploymentYaml({
        namespace: 'shop',
        name: 'orders',
        replicas: 3,
        labels: { app: 'orders' },
      }),
    })
    await cluster.kubectl(['rollout', 'status', '-n', 'shop', 'deployment/orders', '--timeout=90s'])
  },
  { timeout: 600_000 }
)

after(async () => {
  disposeSpareRunProcess()
  ws?.cleanup()
  await cluster?.stop()
})

test('--dry-run lists the real pods a pod-delete would choose among', T, async () => {
  const file = ws.write(
    'dry.yaml',
    manifest(
      'shop',
      'fault: { type: pod-delete, pods: { workload: deployment/orders }, duration: 10s }'
    )
  )
  const r = await ws.run(['run', file, '--dry-run', '--kubeconfig', cluster.kubeconfig])
  assert.equal(r.exitCode, 0, r.stderr)
  const names = (
    await cluster.kubectl(['get', 'pods', '-n', 'shop', '-o', 'jsonpath={.items[*].metadata.name}'])
  )
    .split(' ')
    .sort()
  assert.equal(names.length, 3)
  assert.ok(
    r.stdout.includes(
      `pod-delete: would delete 1 of 3 pods of deployment/orders in shop (mode one): ${names.join(', ')}`
    ),
    r.stdout
  )
})

test('--dry-run with the cluster unreachable says so on the line and goes on', T, async () => {
  // The same credentials, a port nothing listens on.
  const text = readFileSync(cluster.kubeconfig, 'utf8').replace(
    /server: https:\/\/127\.0\.0\.1:\d+/,
    'server: https://127.0.0.1:9'
  )
  const dead = path.join(ws.dir, 'dead.kubeconfig')
  writeFileSync(dead, text)
  const file = ws.write(
    'dead.yaml',
    manifest(
      'shop',
      'fault: { type: pod-delete, pods: { labels: { app: orders } }, duration: 10s }'
    )
  )
  const r = await ws.run(['run', file, '--dry-run'], { env: { KUBECONFIG: dead } })
  assert.equal(r.exitCode, 0, r.stderr)
  assert.match(
    r.stdout,
    /pod-delete: would delete pods matching app=orders in shop; cannot list them: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:9: connect ECONNREFUSED 127\.0\.0\.1:9\n/
  )
})

test(
  'a run connects at system start; a missing namespace fails there in one line (exit 3)',
  T,
  async () => {
    const ok = await ws.runManifest('connects', manifest('shop', 'wait: 100ms'), [
      '--kubeconfig',
      cluster.kubeconfig,
    ])
    assert.ok(
      ok.events.some((e) => e.type === 'system.ready'),
      ok.stdout + ok.stderr
    )
    assert.notEqual(ok.exitCode, 3, ok.stdout + ok.stderr)

    const bad = await ws.runManifest('missing', manifest('nowhere', 'wait: 100ms'), [
      '--kubeconfig',
      cluster.kubeconfig,
    ])
    assert.equal(bad.exitCode, 3, bad.stdout + bad.stderr)
    const failed = bad.events.find((e) => e.type === 'system.failed')
    assert.deepEqual(
      failed && 'error' in failed ? failed.error : undefined,
      'namespace "nowhere" not found'
    )
    assert.ok(!bad.stderr.includes('    at '), bad.stderr)
  }
)

test(
  'a manifest kubeconfig is used, relative to the manifest; an unknown --context is one line',
  T,
  async () => {
    writeFileSync(path.join(ws.dir, 'kc'), readFileSync(cluster.kubeconfig, 'utf8'))
    const own = await ws.runManifest(
      'own',
      manifest('shop', 'wait: 100ms', ', kubeconfig: ./kc'),
      []
    )
    assert.ok(
      own.events.some((e) => e.type === 'system.ready'),
      own.stdout + own.stderr
    )
    const ctx = await ws.runManifest('ctx', manifest('shop', 'wait: 100ms', ', kubeconfig: ./kc'), [
      '--context',
      'nope',
    ])
    assert.equal(ctx.exitCode, 3)
    const failed = ctx.events.find((e) => e.type === 'system.failed')
    assert.match(
      failed && 'error' in failed ? failed.error : '',
      /^context "nope" not found in \S+kc/
    )
  }
)

test("ordeal recover replays a dead run's kubernetes undo from its ledger alone", T, async () => {
  await cluster.kubectl(['scale', '-n', 'shop', 'deployment/orders', '--replicas=1'])
  // A run that died after scaling: its ledger names the connection and the request, nothing more.
  const ledger = new Ledger('k8s-dead-run-20260101-000000-abcd', path.join(ws.stateDir, 'ledgers'))
  ledger.record(
    'scale',
    {
      kind: 'kubernetes',
      connection: { kubeconfig: cluster.kubeconfig },
      request: {
        op: 'patch',
        path: '/apis/apps/v1/namespaces/shop/deployments/orders/scale',
        patchType: 'merge',
        body: { spec: { replicas: 3 } },
      },
      label: 'restore deployment/orders to 3 replicas',
    },
    Date.now() + 60_000
  )
  const r = await ws.run(['recover'])
  assert.equal(r.exitCode, 0, r.stdout + r.stderr)
  assert.match(r.stdout, /undone: .*restore deployment\/orders to 3 replicas/)
  assert.equal(
    await cluster.kubectl([
      'get',
      'deployment',
      '-n',
      'shop',
      'orders',
      '-o',
      'jsonpath={.spec.replicas}',
    ]),
    '3'
  )
})

test(
  '--kubeconfig on a run placed on an agent is a usage error (exit 2): the agent has its own',
  T,
  async () => {
    const file = ws.write('placed.yaml', manifest('shop', 'wait: 100ms'))
    const r = await ws.run([
      'run',
      file,
      '--agent',
      'edge-1',
      '--server',
      'http://127.0.0.1:9',
      '--token',
      't',
      '--kubeconfig',
      cluster.kubeconfig,
    ])
    assert.equal(r.exitCode, 2)
    assert.equal(
      r.stderr.trim(),
      "ordeal run: --kubeconfig is for a run on this machine; a run placed on an agent uses the agent's cluster (ordeal agent --kubeconfig)"
    )
  }
)

/** A run in a run process, as the Chaos Center's and an agent's runs are: its journal events. */
async function runInRunProcess(yaml: string, cluster?: ClusterGrant): Promise<JournalEvent[]> {
  const events: JournalEvent[] = []
  const saved = process.env['ORDEAL_STATE_DIR']
  process.env['ORDEAL_STATE_DIR'] = ws.stateDir
  try {
    const child = startRunChild({
      name: 'k8s-cli',
      yaml,
      exec: kScrubbedPolicy,
      onEvents: (batch) => events.push(...batch),
      ...(cluster ? { cluster } : {}),
    })
    await child.started
    await child.exited
  } finally {
    if (saved === undefined) {
      delete process.env['ORDEAL_STATE_DIR']
    } else {
      process.env['ORDEAL_STATE_DIR'] = saved
    }
  }
  return events
}

const systemFailure = (events: JournalEvent[]) => {
  const failed = events.find((e) => e.type === 'system.failed')
  return failed && 'error' in failed ? failed.error : undefined
}

test(
  'a Chaos Center or agent run uses the cluster its agent resolved, never one the manifest picks',
  T,
  async () => {
    const grant: ClusterGrant = { owner: 'agent', connection: { kubeconfig: cluster.kubeconfig } }
    const ok = await runInRunProcess(manifest('shop', 'wait: 100ms'), grant)
    assert.ok(
      ok.some((e) => e.type === 'system.ready'),
      JSON.stringify(ok)
    )
    const refused = async (extra: string) =>
      systemFailure(await runInRunProcess(manifest('shop', 'wait: 100ms', extra), grant))
    assert.equal(
      await refused(`, kubeconfig: ${cluster.kubeconfig}`),
      'spec.system.kubernetes.kubeconfig is not allowed in a run of a Chaos Center or an agent: set the cluster on the agent: ordeal agent --kubeconfig'
    )
    assert.equal(
      await refused(', context: prod-admin'),
      "spec.system.kubernetes.context is not allowed in a run of a Chaos Center or an agent: the agent's --context chooses it"
    )
    assert.equal(
      await refused(', allowNamespaces: [kube-system]'),
      "spec.system.kubernetes.allowNamespaces is not allowed in a run of a Chaos Center or an agent (kube-system): the agent's --allow-namespace lifts the deny list"
    )
    // The manifest may repeat what the agent lifts (ordeal agent --allow-namespace), no more.
    const lifted = await runInRunProcess(
      manifest('kube-system', 'wait: 100ms', ', allowNamespaces: [kube-system]'),
      { ...grant, allowNamespaces: ['kube-system'] }
    )
    assert.ok(
      lifted.some((e) => e.type === 'system.ready'),
      JSON.stringify(lifted)
    )
  }
)

test(
  'a Chaos Center given no cluster refuses spec.system.kubernetes, even with $KUBECONFIG at hand; given one, it uses it',
  T,
  async () => {
    const saved = process.env['KUBECONFIG']
    process.env['KUBECONFIG'] = cluster.kubeconfig
    try {
      assert.equal(
        systemFailure(
          await runInRunProcess(manifest('shop', 'wait: 100ms'), { owner: 'Chaos Center' })
        ),
        'this Chaos Center has no Kubernetes cluster: start it with --kubeconfig'
      )
      // Given one (ordeal server --kubeconfig), its runs use it.
      const given = await runInRunProcess(manifest('shop', 'wait: 100ms'), {
        owner: 'Chaos Center',
        connection: { kubeconfig: cluster.kubeconfig },
      })
      assert.ok(
        given.some((e) => e.type === 'system.ready'),
        JSON.stringify(given)
      )
    } finally {
      if (saved === undefined) {
        delete process.env['KUBECONFIG']
      } else {
        process.env['KUBECONFIG'] = saved
      }
    }
  }
)

test(
  "ordeal in a pod never touches its own namespace: it joins the deny list (node-drain's too) and the journal says so",
  T,
  async () => {
    const own = ws.write('serviceaccount-namespace', 'shop\n')
    const experiment = (namespace: string) =>
      ({
        system: {
          kubernetes: {
            namespace,
            deniedNamespaces: ['kube-system'],
            maxPodsPerFault: 10,
          },
        },
      }) as unknown as Experiment
    const warnings: string[] = []
    const options = {
      kubeconfig: cluster.kubeconfig,
      ownNamespaceFile: own,
      warn: (line: string) => warnings.push(line),
    }
    await assert.rejects(connectRunCluster(experiment('shop'), options), {
      message: `namespace "shop" is ordeal's own (it runs in a pod there): a run never touches it`,
    })
    await cluster.namespace('elsewhere')
    const run = await connectRunCluster(experiment('elsewhere'), options)
    try {
      assert.deepEqual(run?.spec.deniedNamespaces, ['kube-system', 'shop'])
      assert.throws(() => run?.checkNamespace('shop'), {
        message: `namespace "shop" is ordeal's own (it runs in a pod there): a run never touches it`,
      })
      await assert.rejects(
        run!.selectPods({ namespace: 'shop', labels: { app: 'orders' } }, () => undefined),
        /ordeal's own/
      )
    } finally {
      run?.close()
    }
    assert.deepEqual(warnings.slice(-1), [
      'ordeal runs in a pod in namespace "shop": it joins the deny list, no fault touches it',
    ])
  }
)
