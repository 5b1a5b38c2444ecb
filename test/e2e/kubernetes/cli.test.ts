/**
 * The built CLI against a real control plane (kube-apiserver, controller-manager, scheduler,
 * kwok): a pod-delete the ReplicaSet heals, with its recovery time in the result and a k8s
 * probe; bad input (exit 2, one line); an unknown probe resource or workload refused before any fault (exit 2). Every effect
 * is read back with the client, not through ordeal's code. (The runner SIGKILLed mid-fault and
 * the API server stopped mid-run: test/integration/kubernetes/watchdog.test.ts.)
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { CoreV1Api } from '@kubernetes/client-node'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { workspace, type Workspace } from '../../support/cli.js'

let cluster: TestCluster
let ws: Workspace
let core: CoreV1Api

before(async () => {
  cluster = await startTestCluster()
  ws = workspace()
  core = cluster.config.makeApiClient(CoreV1Api)
})
after(async () => {
  ws?.cleanup()
  await cluster?.stop()
})

/** A namespace with a Deployment `web` of `replicas` pods, all available. */
async function shop(namespace: string, replicas = 3): Promise<void> {
  await cluster.namespace(namespace)
  await cluster.kubectl(['apply', '-n', namespace, '-f', '-'], {
    input: `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: registry.invalid/web:1 }] }
`,
  })
  await cluster.kubectl(['rollout', 'status', '-n', namespace, 'deployment/web', '--timeout=60s'])
}

function manifest(namespace: string, body: string): string {
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: k8s-${namespace} }
spec:
  hypothesis: web stays available
  system:
    kubernetes: { namespace: ${namespace} }
${body}`
}

test('pod-delete of a Deployment pod: the ReplicaSet re-creates it, the recovery time is in the result, the k8s probe passes', async () => {
  await shop('heal')
  const before = await core.listNamespacedPod({ namespace: 'heal', labelSelector: 'app=web' })
  const run = await ws.runManifest(
    'heal',
    manifest(
      'heal',
      `  probes:
    - name: web-available
      type: k8s
      mode: EOT
      runProperties: { attempts: 30, interval: 500ms }
      resource: { group: apps, version: v1, resource: deployments, name: web }
      operation: compare
      jsonPath: status.availableReplicas
      equalsJsonPath: spec.replicas
  steps:
    - fault:
        type: pod-delete
        pods: { workload: deployment/web, mode: fixed, value: 1 }
        force: true
        duration: 2s
`
    ),
    ['--kubeconfig', cluster.kubeconfig]
  )
  assert.equal(run.exitCode, 0, run.stdout + run.stderr)
  const fault = run.result!.faults[0]!
  assert.equal(fault.recovery?.length, 1, JSON.stringify(fault))
  const recovery = fault.recovery[0]!
  assert.equal(recovery.workload, 'deployment/web')
  assert.equal(recovery.recovered, true, JSON.stringify(recovery))
  assert.ok((recovery.ms ?? 0) > 0, JSON.stringify(recovery))
  assert.ok(run.events.some((e) => e.type === 'fault.recovery'))
  const after = await core.listNamespacedPod({ namespace: 'heal', labelSelector: 'app=web' })
  const uids = (list: typeof before) => new Set(list.items.map((p) => p.metadata!.uid!))
  const gone = [...uids(before)].filter((uid) => !uids(after).has(uid))
  assert.equal(gone.length, 1, 'exactly one of the original pods was deleted')
  assert.equal(after.items.length, 3, 'the ReplicaSet re-created it')
})

test('bad input: an unknown probe resource field, a bad selector, a denied namespace — exit 2, one line each', async () => {
  const cases: [string, string, RegExp][] = [
    [
      'bad-selector',
      manifest(
        'shop',
        `  steps:
    - fault: { type: pod-delete, pods: { selector: "app in (web", mode: all }, duration: 1s }
`
      ),
      /bad-selector\.yaml:\d+.*selector/,
    ],
    [
      'denied',
      manifest(
        'kube-system',
        `  steps:
    - fault: { type: pod-delete, pods: { labels: { app: web } }, duration: 1s }
`
      ),
      /denied\.yaml:\d+.*kube-system.*deny list/,
    ],
    [
      'bad-workload',
      manifest(
        'shop',
        `  steps:
    - fault: { type: workload-scale, workload: replicaset/web, replicas: 1, duration: 1s }
`
      ),
      /bad-workload\.yaml:\d+.*workload/,
    ],
    [
      'no-cluster',
      `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: no-cluster }
spec:
  hypothesis: h
  steps:
    - fault: { type: pod-delete, pods: { labels: { app: web } }, duration: 1s }
`,
      /no-cluster\.yaml:\d+.*spec\.system\.kubernetes/,
    ],
  ]
  for (const [name, yaml, expected] of cases) {
    const file = ws.write(`${name}.yaml`, yaml)
    const result = await ws.run(['run', file, '--kubeconfig', cluster.kubeconfig])
    assert.equal(result.exitCode, 2, `${name}: ${result.stdout}${result.stderr}`)
    const lines = result.stderr.trim().split('\n')
    assert.equal(lines.length, 1, `${name}: exactly one line: ${result.stderr}`)
    assert.match(lines[0]!, expected, `${name}: ${result.stderr}`)
    assert.doesNotMatch(result.stderr, /\n\s+at /, `${name}: no stack trace`)
  }
})

test('an unknown probe resource or workload is exit 2 before any fault, one line naming file, line and field', async () => {
  await shop('typo', 1)
  const run = await ws.runManifest(
    'typo',
    manifest(
      'typo',
      `  probes:
    - name: typo
      type: k8s
      mode: SOT
      resource: { group: apps, version: v1, resource: deploymens, name: web }
      operation: present
  steps:
    - fault: { type: pod-delete, pods: { workload: deployment/web, mode: all }, duration: 1s }
`
    ),
    ['--kubeconfig', cluster.kubeconfig]
  )
  assert.equal(run.exitCode, 2, run.stdout + run.stderr)
  const lines = run.stderr.trim().split('\n')
  assert.equal(lines.length, 1, run.stderr)
  assert.match(
    lines[0]!,
    /typo\.yaml:12: spec\.probes\[0\]\.resource\.resource: the server has no resource 'deploymens' in apps\/v1$/
  )
  // Nothing was injected: the pod is the one that was there.
  const pods = await core.listNamespacedPod({ namespace: 'typo' })
  assert.equal(pods.items.length, 1)
  assert.equal(pods.items[0]!.metadata?.deletionTimestamp, undefined)

  const workload = await ws.runManifest(
    'typo-workload',
    manifest(
      'typo',
      `  steps:
    - fault: { type: pod-delete, pods: { workload: deployment/wbe, mode: all }, duration: 1s }
`
    ),
    ['--kubeconfig', cluster.kubeconfig]
  )
  assert.equal(workload.exitCode, 2, workload.stdout + workload.stderr)
  assert.deepEqual(workload.stderr.trim().split('\n'), [
    `${workload.file}:9: spec.steps[0].fault.pods.workload: deployment/wbe not found in namespace typo`,
  ])
})
