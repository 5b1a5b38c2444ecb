/**
 * ordeal's own faults and k8s probe, through the real engine, with nothing but the chart's
 * agent token (TokenRequest for its ServiceAccount, written to a kubeconfig): what the RBAC
 * table grants is enough for every fault to inject and undo and for the probe to read, with
 * and without nodeFaults. Effects are checked as admin with kubectl, not with ordeal's code.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { resolve } from '../../../src/experiment/define.js'
import { startRun } from '../../../src/engine/runner.js'
import type { JournalEvent } from '../../../src/engine/events.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import { serviceAccountConfig, template } from '../../support/chart.js'

const TIMEOUT = { timeout: 240_000 }
const RELEASE_NS = 'ordeal'

let cluster: TestCluster
let dir: string
/** kubeconfig files holding only the agent tokens of release r (no node faults) and n. */
let kubeconfigR: string
let kubeconfigN: string

const workloads = `
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: example.invalid/web:1 }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`

async function agentKubeconfig(release: string): Promise<string> {
  const config = await serviceAccountConfig(
    cluster.config,
    cluster.kubectl,
    RELEASE_NS,
    `${release}-ordeal-agent`
  )
  const file = path.join(dir, `${release}.kubeconfig`)
  writeFileSync(file, config.exportConfig(), { mode: 0o600 })
  return file
}

async function runSteps(kubeconfig: string, steps: unknown[], probes: unknown[] = []) {
  const events: JournalEvent[] = []
  const experiment = resolve(
    {
      apiVersion: 'ordeal.dev/v1',
      kind: 'Experiment',
      metadata: { name: 'chart-token' },
      spec: {
        hypothesis: "the agent's token is enough for every fault and probe",
        deadline: '3m',
        system: { kubernetes: { namespace: 'shop', kubeconfig } },
        probes,
        steps,
      },
    } as Parameters<typeof resolve>[0],
    { baseDir: dir }
  )
  const run = startRun(experiment, { onEvent: (e) => events.push(e) })
  const result = await run.result
  const failures = events
    .filter(
      (e) => e.type === 'fault.failed' || (e.type === 'probe.verdict' && e.verdict !== 'Passed')
    )
    .map((e) => JSON.stringify(e))
  return { result, events, failures }
}

const get = (args: string[]) => cluster.kubectl(['get', ...args])

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ordeal-chart-run-'))
  process.env['ORDEAL_STATE_DIR'] = path.join(dir, 'state')
  cluster = await startTestCluster()
  for (const ns of [RELEASE_NS, 'shop']) {
    await cluster.namespace(ns)
  }
  await cluster.kubectl(['apply', '-f', '-'], { input: workloads })
  for (const [release, sets] of [
    ['r', ['kubernetes.namespaces={shop}']],
    ['n', ['kubernetes.namespaces={shop}', 'nodeFaults.enabled=true', 'server.enabled=false']],
  ] as const) {
    const rendered = await template(cluster.bin, release, RELEASE_NS, [
      'agent.token.value=ordl_tok_test',
      ...sets,
    ])
    await cluster.kubectl(['apply', '-f', '-'], { input: rendered })
  }
  kubeconfigR = await agentKubeconfig('r')
  kubeconfigN = await agentKubeconfig('n')
  await cluster.kubectl(
    ['wait', '--for=condition=Available', '--timeout=120s', '-n', 'shop', 'deployment/web'],
    { timeoutMs: 130_000 }
  )
})

after(async () => {
  await cluster?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("ordeal's faults and probe with the chart's agent token", () => {
  test(
    'pod-delete, workload-scale, network-isolate and the k8s probe, without nodeFaults',
    TIMEOUT,
    async () => {
      const { result, events, failures } = await runSteps(
        kubeconfigR,
        [
          {
            name: 'delete',
            fault: {
              type: 'pod-delete',
              pods: { workload: 'deployment/web', mode: 'one' },
              force: true,
              duration: '2s',
            },
          },
          {
            name: 'scale',
            fault: {
              type: 'workload-scale',
              workload: 'deployment/web',
              replicas: 1,
              duration: '2s',
            },
          },
          {
            name: 'isolate',
            fault: {
              type: 'network-isolate',
              pods: { labels: { app: 'web' }, mode: 'all' },
              duration: '2s',
            },
          },
        ],
        [
          {
            name: 'web-available',
            type: 'k8s',
            mode: 'EOT',
            resource: { group: 'apps', version: 'v1', resource: 'deployments', name: 'web' },
            operation: 'compare',
            jsonPath: 'status.availableReplicas',
            equalsJsonPath: 'spec.replicas',
            runProperties: { attempts: 30, interval: '1s' },
          },
          {
            name: 'service-present',
            type: 'k8s',
            mode: 'SOT',
            resource: { version: 'v1', resource: 'services', name: 'web' },
            operation: 'present',
          },
          {
            name: 'nodes-listed',
            type: 'k8s',
            mode: 'SOT',
            resource: { version: 'v1', resource: 'nodes', labelSelector: 'type=kwok' },
            operation: 'present',
          },
        ]
      )
      assert.deepEqual(failures, [])
      assert.equal(result.verdict, 'pass', result.reason)
      assert.ok(
        events.some((e) => e.type === 'fault.recovery' && e.recovered),
        'the recovery watch worked with the token'
      )
      // Undone, as admin sees it: replicas back, no policy, no isolation label left.
      assert.equal(
        await get(['deployment', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}']),
        '2'
      )
      assert.equal((await get(['networkpolicies', '-n', 'shop', '-o', 'name'])).trim(), '')
      const labels = await get([
        'pods',
        '-n',
        'shop',
        '-l',
        'app=web',
        '-o',
        'jsonpath={.items[*].metadata.labels}',
      ])
      assert.doesNotMatch(labels, /ordeal/)
    }
  )

  test(
    'node-cordon and node-drain with nodeFaults (without it the authorizer refuses: chart.test.ts)',
    TIMEOUT,
    async () => {
      const steps = [
        {
          name: 'cordon',
          fault: { type: 'node-cordon', nodes: { name: 'kwok-node-2' }, duration: '2s' },
        },
        {
          name: 'drain',
          fault: { type: 'node-drain', nodes: { name: 'kwok-node-2' }, duration: '2s' },
        },
      ]
      const { result, failures } = await runSteps(kubeconfigN, steps)
      assert.deepEqual(failures, [])
      assert.equal(result.verdict, 'pass', result.reason)
      assert.equal(await get(['node', 'kwok-node-2', '-o', 'jsonpath={.spec.unschedulable}']), '')
      // Drain evicted the shop's pod on that node (its ReplicaSet re-created it): back to 2.
      await cluster.kubectl(
        ['wait', '--for=condition=Available', '--timeout=60s', '-n', 'shop', 'deployment/web'],
        { timeoutMs: 70_000 }
      )
    }
  )
})
