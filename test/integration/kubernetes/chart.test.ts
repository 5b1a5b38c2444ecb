/**
 * The chart in a real cluster: its rendered objects applied to the test control plane (the
 * Deployments become Available under kwok; no container runs), then the agent's ServiceAccount
 * token (TokenRequest) used exactly as the in-cluster agent uses it. The real RBAC authorizer
 * decides: the rules it grants equal the table of the faults' and probe's calls (no more, no
 * less), each of those calls succeeds, and calls outside it (secrets, pod create, exec, nodes
 * without nodeFaults, namespaces not listed) are refused with 403.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ApiException,
  AppsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  NetworkingV1Api,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import {
  NAMESPACED_RULES,
  NODE_FAULT_RULES,
  NODE_READ_RULES,
  ruleKeys,
  serviceAccountConfig,
  template,
} from '../../support/chart.js'

const TIMEOUT = { timeout: 180_000 }
const RELEASE_NS = 'ordeal'
const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

let cluster: TestCluster
/** Release `r`: defaults plus namespaces [shop]. Release `n`: the same with nodeFaults on. */
let agentR: KubeConfig
let agentN: KubeConfig
let nobody: KubeConfig

const fixtures = `
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
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: shop }
spec:
  replicas: 1
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: example.invalid/db:1 }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Secret
metadata: { name: keep-out, namespace: shop }
stringData: { password: hunter2 }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: bystander, namespace: other }
spec:
  replicas: 2
  selector: { matchLabels: { app: bystander } }
  template:
    metadata: { labels: { app: bystander } }
    spec: { containers: [{ name: b, image: example.invalid/b:1 }] }
---
# The server's PVC binds to this (the test cluster has no storage provisioner; no kubelet
# ever mounts it).
apiVersion: v1
kind: PersistentVolume
metadata: { name: ordeal-test-data }
spec:
  capacity: { storage: 5Gi }
  accessModes: [ReadWriteOnce]
  hostPath: { path: /nonexistent/ordeal-test }
`

async function code(call: Promise<unknown>): Promise<number> {
  try {
    await call
    return 200
  } catch (error) {
    if (error instanceof ApiException) {
      return error.code
    }
    throw error
  }
}

/** The call is refused by the authorizer: 403, and the Status message says forbidden. */
async function forbidden(call: Promise<unknown>, what: RegExp): Promise<void> {
  try {
    await call
  } catch (error) {
    assert.ok(error instanceof ApiException, String(error))
    assert.equal(error.code, 403, String(error.body))
    const message = (JSON.parse(String(error.body)) as { message: string }).message
    assert.match(message, what)
    return
  }
  assert.fail(`allowed, expected forbidden: ${String(what)}`)
}

/**
 * Opens a watch and resolves at its first event, or rejects (403). `sendInitialEvents` makes
 * the server end its initial list with a BOOKMARK, so even an empty collection answers at once.
 */
function firstWatchEvent(config: KubeConfig, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let controller: AbortController | undefined
    let settled = false
    void new Watch(config)
      .watch(
        path,
        {
          sendInitialEvents: true,
          resourceVersionMatch: 'NotOlderThan',
          allowWatchBookmarks: true,
        },
        (type) => {
          if (!settled) {
            settled = true
            resolve(type)
            controller?.abort()
          }
        },
        (err: unknown) => {
          if (!settled) {
            settled = true
            reject(err instanceof Error ? err : new Error(`watch ${path} ended`))
          }
        }
      )
      .then((c) => {
        controller = c
        if (settled) {
          c.abort()
        }
      })
  })
}

/** Flattened rules the authorizer grants `config` in `namespace`, minus what any account has. */
async function granted(config: KubeConfig, namespace: string): Promise<string[]> {
  const review = async (c: KubeConfig) => {
    const r = await c.makeApiClient(AuthorizationV1Api).createSelfSubjectRulesReview({
      body: { spec: { namespace } },
    })
    return ruleKeys(r.status?.resourceRules ?? [])
  }
  const everyone = new Set(await review(nobody))
  return (await review(config)).filter((k) => !everyone.has(k))
}

async function podNames(namespace: string, app: string): Promise<string[]> {
  const list = await cluster.config
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace, labelSelector: `app=${app}` })
  return list.items.map((p) => p.metadata!.name!)
}

before(async () => {
  cluster = await startTestCluster()
  for (const ns of [RELEASE_NS, 'shop', 'other']) {
    await cluster.namespace(ns)
  }
  await cluster.kubectl(['apply', '-f', '-'], { input: fixtures })
  // Pod Security Admission at its strictest: the chart's pods must be admitted under it.
  await cluster.kubectl([
    'label',
    'namespace',
    RELEASE_NS,
    'pod-security.kubernetes.io/enforce=restricted',
  ])
  const r = await template(cluster.bin, 'r', RELEASE_NS, [
    'agent.token.value=ordl_tok_test',
    'kubernetes.namespaces={shop}',
  ])
  const n = await template(cluster.bin, 'n', RELEASE_NS, [
    'agent.token.value=ordl_tok_test',
    'kubernetes.namespaces={shop}',
    'nodeFaults.enabled=true',
    'server.enabled=false',
    'agent.serverUrl=http://r-ordeal-server:7700',
  ])
  await cluster.kubectl(['apply', '-f', '-'], { input: r })
  await cluster.kubectl(['apply', '-f', '-'], { input: n })
  await cluster.kubectl(['create', 'serviceaccount', 'nobody', '-n', RELEASE_NS])
  agentR = await serviceAccountConfig(cluster.config, cluster.kubectl, RELEASE_NS, 'r-ordeal-agent')
  agentN = await serviceAccountConfig(cluster.config, cluster.kubectl, RELEASE_NS, 'n-ordeal-agent')
  nobody = await serviceAccountConfig(cluster.config, cluster.kubectl, RELEASE_NS, 'nobody')
  await cluster.kubectl(
    ['wait', '--for=condition=Available', '--timeout=120s', '-n', 'shop', 'deployment/web'],
    { timeoutMs: 130_000 }
  )
})

after(async () => {
  await cluster?.stop()
})

describe('the chart in a real cluster', () => {
  test(
    'its objects apply, the PVC binds and both Deployments become Available',
    TIMEOUT,
    async () => {
      await cluster.kubectl(
        [
          'wait',
          '--for=condition=Available',
          '--timeout=150s',
          '-n',
          RELEASE_NS,
          'deployment/r-ordeal-server',
          'deployment/r-ordeal-agent',
          'deployment/n-ordeal-agent',
        ],
        { timeoutMs: 160_000 }
      )
      const phase = await cluster.kubectl([
        'get',
        'pvc',
        'r-ordeal-server-data',
        '-n',
        RELEASE_NS,
        '-o',
        'jsonpath={.status.phase}',
      ])
      assert.equal(phase, 'Bound')
      // The admission is really enforced there: a pod without those settings is refused.
      await assert.rejects(
        cluster.kubectl(['run', 'loose', '-n', RELEASE_NS, '--image=example.invalid/x:1']),
        /violates PodSecurity "restricted/
      )
    }
  )

  test(
    'the authorizer grants exactly the table: in a listed namespace, elsewhere, with and without nodeFaults',
    TIMEOUT,
    async () => {
      assert.deepEqual(
        await granted(agentR, 'shop'),
        [...NAMESPACED_RULES, ...NODE_READ_RULES].sort()
      )
      assert.deepEqual(await granted(agentR, 'other'), NODE_READ_RULES)
      assert.deepEqual(
        await granted(agentN, 'shop'),
        [...new Set([...NAMESPACED_RULES, ...NODE_FAULT_RULES])].sort()
      )
      assert.deepEqual(await granted(agentN, 'other'), NODE_FAULT_RULES)
    }
  )

  test(
    "every call of the faults and the probe succeeds with the agent's token",
    TIMEOUT,
    async () => {
      const core = agentR.makeApiClient(CoreV1Api)
      const apps = agentR.makeApiClient(AppsV1Api)
      const net = agentR.makeApiClient(NetworkingV1Api)
      const ns = 'shop'

      // pod-delete: list, get, watch (the replacement), delete with a uid precondition.
      const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })
      const victim = pods.items[0]!
      const name = victim.metadata!.name!
      assert.equal(
        (await core.readNamespacedPod({ name, namespace: ns })).metadata?.uid,
        victim.metadata?.uid
      )
      assert.equal(await firstWatchEvent(agentR, `/api/v1/namespaces/${ns}/pods`), 'ADDED')
      // network-isolate: label the pod (merge patch), then the pod-delete itself.
      await core.patchNamespacedPod(
        { name, namespace: ns, body: { metadata: { labels: { 'ordeal.dev/isolated': 'x' } } } },
        merge
      )
      await core.deleteNamespacedPod({
        name,
        namespace: ns,
        body: { gracePeriodSeconds: 0, preconditions: { uid: victim.metadata!.uid! } },
      })
      assert.ok(!(await podNames(ns, 'web')).includes(name), 'deleted (checked as admin)')

      // Owner resolution and recovery watch on every workload kind.
      await apps.readNamespacedDeployment({ name: 'web', namespace: ns })
      await apps.readNamespacedStatefulSet({ name: 'db', namespace: ns })
      await apps.listNamespacedReplicaSet({ namespace: ns })
      await apps.listNamespacedDaemonSet({ namespace: ns })
      for (const resource of ['deployments', 'statefulsets', 'daemonsets', 'replicasets']) {
        await firstWatchEvent(agentR, `/apis/apps/v1/namespaces/${ns}/${resource}`)
      }

      // workload-scale: read the scale, replace it, patch it back (both subresources).
      const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: ns })
      assert.equal(scale.spec?.replicas, 2)
      await apps.replaceNamespacedDeploymentScale({
        name: 'web',
        namespace: ns,
        body: { ...scale, spec: { replicas: 3 } },
      })
      await apps.patchNamespacedDeploymentScale(
        { name: 'web', namespace: ns, body: { spec: { replicas: 2 } } },
        merge
      )
      const dbScale = await apps.readNamespacedStatefulSetScale({ name: 'db', namespace: ns })
      await apps.replaceNamespacedStatefulSetScale({
        name: 'db',
        namespace: ns,
        body: { ...dbScale, spec: { replicas: 2 } },
      })
      await apps.patchNamespacedStatefulSetScale(
        { name: 'db', namespace: ns, body: { spec: { replicas: 1 } } },
        merge
      )
      const replicas = await cluster.kubectl([
        'get',
        'statefulset',
        'db',
        '-n',
        ns,
        '-o',
        'jsonpath={.spec.replicas}',
      ])
      assert.equal(replicas, '1')

      // network-isolate: the deny policy, created, read and deleted.
      await net.createNamespacedNetworkPolicy({
        namespace: ns,
        body: {
          metadata: { name: 'ordeal-isolate-test' },
          spec: {
            podSelector: { matchLabels: { 'ordeal.dev/isolated': 'x' } },
            policyTypes: ['Ingress', 'Egress'],
          },
        },
      })
      await net.readNamespacedNetworkPolicy({ name: 'ordeal-isolate-test', namespace: ns })
      await net.deleteNamespacedNetworkPolicy({ name: 'ordeal-isolate-test', namespace: ns })

      // Connecting: the run's namespace is read first; only a listed one.
      await core.readNamespace({ name: ns })
      await forbidden(core.readNamespace({ name: 'other' }), /cannot get resource "namespaces"/)

      // k8s probe: services, endpoints, nodes (read-only).
      await core.readNamespacedService({ name: 'web', namespace: ns })
      await core.listNamespacedEndpoints({ namespace: ns })
      await core.readNode({ name: 'kwok-node-1' })
      assert.ok((await core.listNode()).items.length >= 2)
    }
  )

  test(
    'node-cordon and node-drain calls succeed only with nodeFaults, drain across namespaces',
    TIMEOUT,
    async () => {
      const core = agentN.makeApiClient(CoreV1Api)
      assert.equal(await firstWatchEvent(agentN, '/api/v1/nodes'), 'ADDED')
      await core.patchNode({ name: 'kwok-node-2', body: { spec: { unschedulable: true } } }, merge)
      const cordoned = await cluster.kubectl([
        'get',
        'node',
        'kwok-node-2',
        '-o',
        'jsonpath={.spec.unschedulable}',
      ])
      assert.equal(cordoned, 'true')
      await core.patchNode({ name: 'kwok-node-2', body: { spec: { unschedulable: false } } }, merge)

      // Drain: pods of a node in every namespace, each evicted (here one in a namespace the
      // Roles do not list: drain needs that cluster-wide grant, and the README says so).
      const all = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName!=' })
      const target = all.items.find((p) => p.metadata?.namespace === 'other')!
      assert.ok(target, 'a bystander pod is scheduled')
      await core.createNamespacedPodEviction({
        name: target.metadata!.name!,
        namespace: 'other',
        body: { metadata: { name: target.metadata!.name!, namespace: 'other' } },
      })
      // ...but nothing else in that namespace.
      await forbidden(
        core.deleteNamespacedPod({ name: target.metadata!.name!, namespace: 'other' }),
        /cannot delete resource "pods" in API group "" in the namespace "other"/
      )
    }
  )

  test('calls outside the role are refused by the real authorizer', TIMEOUT, async () => {
    const core = agentR.makeApiClient(CoreV1Api)
    const user = /User "system:serviceaccount:ordeal:r-ordeal-agent"/
    await forbidden(core.deleteNamespacedSecret({ name: 'keep-out', namespace: 'shop' }), user)
    await forbidden(
      core.listNamespacedSecret({ namespace: 'shop' }),
      /cannot list resource "secrets"/
    )
    await forbidden(core.listNamespacedConfigMap({ namespace: 'shop' }), /configmaps/)
    await forbidden(
      core.readNamespacedServiceAccount({ name: 'default', namespace: 'shop' }),
      /serviceaccounts/
    )
    await forbidden(
      core.createNamespacedPod({
        namespace: 'shop',
        body: { metadata: { name: 'sneaky' }, spec: { containers: [{ name: 'x', image: 'x' }] } },
      }),
      /cannot create resource "pods"/
    )
    await forbidden(
      core.patchNode({ name: 'kwok-node-1', body: { spec: { unschedulable: true } } }, merge),
      /cannot patch resource "nodes"/
    )
    await forbidden(core.listNamespacedPod({ namespace: 'other' }), /in the namespace "other"/)
    await forbidden(core.listPodForAllNamespaces({}), /at the cluster scope/)
    const bystander = (await podNames('other', 'bystander'))[0]!
    await forbidden(core.deleteNamespacedPod({ name: bystander, namespace: 'other' }), /"other"/)
    await forbidden(
      agentR
        .makeApiClient(AppsV1Api)
        .patchNamespacedDeploymentScale(
          { name: 'bystander', namespace: 'other', body: { spec: { replicas: 0 } } },
          merge
        ),
      /deployments\/scale/
    )
    // The deployment itself is never written, only its scale subresource.
    await forbidden(
      agentR
        .makeApiClient(AppsV1Api)
        .patchNamespacedDeployment(
          { name: 'web', namespace: 'shop', body: { spec: { replicas: 0 } } },
          merge
        ),
      /cannot patch resource "deployments"/
    )
    // exec: both verbs a WebSocket exec needs, refused (asked of the authorizer itself).
    const authz = agentR.makeApiClient(AuthorizationV1Api)
    for (const verb of ['get', 'create']) {
      const review = await authz.createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: { namespace: 'shop', verb, resource: 'pods', subresource: 'exec' },
          },
        },
      })
      assert.equal(review.status?.allowed, false, `pods/exec ${verb}`)
    }
    // The admin sees everything untouched.
    assert.match(
      await cluster.kubectl(['get', 'secret', 'keep-out', '-n', 'shop', '-o', 'name']),
      /keep-out/
    )
    assert.equal((await podNames('other', 'bystander')).length >= 1, true)
    assert.equal(await code(core.readNamespacedPod({ name: bystander, namespace: 'other' })), 403)
  })
})
