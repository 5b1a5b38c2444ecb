/**
 * The Kubernetes platform against a real control plane (scripts/k8s-test-cluster.sh):
 * connecting (one-line errors), pod and node candidates and selection, and the ledger's
 * kubernetes undos. Effects are checked with kubectl, independently of ordeal's own code.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'
import {
  deploymentYaml,
  podYaml,
  replicaSetYaml,
  statefulSetYaml,
} from '../../support/k8s-objects.js'
import { connectKubernetes } from '../../../src/platforms/kubernetes/connect.js'
import type { KubernetesRun } from '../../../src/platforms/kubernetes/contract.js'
import type { KubernetesSystemSpec } from '../../../src/experiment/model.js'
import { DEFAULT_DENIED_NAMESPACES } from '../../../src/experiment/kubernetes-schema.js'
import { executeUndo } from '../../../src/safety/undo.js'
import type { KubeUndoRequest } from '../../../src/safety/ledger.js'
import { FaultInjectionError } from '../../../src/faults/contract.js'

const T = { timeout: 120_000 }
let cluster: TestCluster
let run: KubernetesRun

const spec = (
  namespace: string,
  more: Partial<KubernetesSystemSpec> = {}
): KubernetesSystemSpec => ({
  namespace,
  deniedNamespaces: [...DEFAULT_DENIED_NAMESPACES],
  maxPodsPerFault: 10,
  ...more,
})
const env = () => ({ KUBECONFIG: cluster.kubeconfig, HOME: '/nonexistent' })

/** A sequence for `random`: the picks are reproducible. */
const sequence = (...values: number[]) => {
  let i = 0
  return () => values[i++ % values.length]!
}

async function podNames(namespace: string, args: string[] = []): Promise<string[]> {
  const out = await cluster.kubectl([
    'get',
    'pods',
    '-n',
    namespace,
    ...args,
    '-o',
    'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}',
  ])
  return out
    .split('\n')
    .filter((l) => l !== '')
    .sort()
}

before(
  async () => {
    cluster = await startTestCluster()
    await cluster.namespace('shop')
    const apply = (yaml: string) => cluster.kubectl(['apply', '-f', '-'], { input: yaml })
    await apply(
      deploymentYaml({
        namespace: 'shop',
        name: 'orders',
        replicas: 3,
        labels: { app: 'orders' },
        podLabels: { tier: 'web' },
      })
    )
    // A look-alike: its pods carry app=orders too, but no Deployment owns them.
    await apply(
      replicaSetYaml({
        namespace: 'shop',
        name: 'fake',
        replicas: 2,
        labels: { app: 'orders', fake: 'yes' },
      })
    )
    await apply(
      statefulSetYaml({ namespace: 'shop', name: 'db', replicas: 2, labels: { app: 'db' } })
    )
    await apply(
      podYaml({ namespace: 'shop', name: 'lonely', labels: { app: 'lonely', tier: 'api' } })
    )
    await cluster.kubectl(['rollout', 'status', '-n', 'shop', 'deployment/orders', '--timeout=90s'])
    await cluster.kubectl(['rollout', 'status', '-n', 'shop', 'statefulset/db', '--timeout=90s'])
    await cluster.kubectl([
      'wait',
      '-n',
      'shop',
      '--for=condition=Ready',
      'pod',
      '--all',
      '--timeout=90s',
    ])
    run = await connectKubernetes(spec('shop'), { env: env(), random: sequence(0) })
  },
  { timeout: 600_000 }
)

after(async () => {
  run?.close()
  await cluster?.stop()
})

describe('connect', () => {
  test('a good kubeconfig connects: the connection is data (path and context)', T, () => {
    assert.deepEqual(run.connection, { kubeconfig: cluster.kubeconfig })
    assert.equal(run.spec.namespace, 'shop')
  })

  test('--kubeconfig and --context are used', T, async () => {
    const context = (await cluster.kubectl(['config', 'current-context'])).trim()
    const other = await connectKubernetes(spec('shop'), {
      env: { HOME: '/nonexistent' },
      flagKubeconfig: cluster.kubeconfig,
      flagContext: context,
    })
    assert.deepEqual(other.connection, { kubeconfig: cluster.kubeconfig, context })
    other.close()
  })

  test('an unknown context is one line naming it', T, async () => {
    await assert.rejects(
      connectKubernetes(spec('shop', { context: 'nope' }), { env: env() }),
      (error: Error) => {
        assert.match(error.message, /^context "nope" not found in \S+ \(contexts: .+\)$/)
        return true
      }
    )
  })

  test('a missing namespace is one line', T, async () => {
    await assert.rejects(connectKubernetes(spec('nowhere'), { env: env() }), {
      message: 'namespace "nowhere" not found',
    })
  })

  test('a denied namespace names the deny list and how to allow it', T, async () => {
    await assert.rejects(connectKubernetes(spec('kube-system'), { env: env() }), {
      message:
        'namespace "kube-system" is in the deny list (kube-system, kube-public, kube-node-lease); list it in spec.system.kubernetes.allowNamespaces to allow it',
    })
  })

  test('no configuration at all is a clear error', T, async () => {
    await assert.rejects(connectKubernetes(spec('shop'), { env: { HOME: '/nonexistent' } }), {
      message: /^no Kubernetes configuration: /,
    })
  })
})

describe('pods', () => {
  test('by labels: every pod with them, each with its top workload', T, async () => {
    const pods = await run.candidatePods({ labels: { app: 'orders' } })
    assert.deepEqual(pods.map((p) => p.name).sort(), await podNames('shop', ['-l', 'app=orders']))
    assert.equal(pods.length, 5)
    const owned = pods.filter((p) => p.workload !== undefined)
    assert.equal(owned.length, 3)
    for (const p of owned) {
      assert.deepEqual(p.workload, { kind: 'deployment', namespace: 'shop', name: 'orders' })
      assert.match(p.uid, /^[0-9a-f-]{36}$/)
      assert.match(p.nodeName ?? '', /^kwok-node-[12]$/)
    }
    const db = await run.candidatePods({ labels: { app: 'db' } })
    assert.deepEqual(
      db.map((p) => p.workload?.kind),
      ['statefulset', 'statefulset']
    )
  })

  test('by selector expression: in, notin, !key', T, async () => {
    const names = async (selector: string) =>
      (await run.candidatePods({ selector })).map((p) => p.name).sort()
    assert.deepEqual(
      await names('tier in (web, api)'),
      await podNames('shop', ['-l', 'tier in (web, api)'])
    )
    assert.equal((await names('tier in (web, api)')).length, 4)
    assert.deepEqual(await names('app notin (orders, db)'), ['lonely'])
    assert.deepEqual(
      await names('app=orders,!fake'),
      await podNames('shop', ['-l', 'app=orders,!fake'])
    )
    assert.equal((await names('app=orders,!fake')).length, 3)
  })

  test('by field selector', T, async () => {
    const pods = await run.candidatePods({ fieldSelector: 'spec.nodeName=kwok-node-1' })
    assert.deepEqual(
      pods.map((p) => p.name).sort(),
      await podNames('shop', ['--field-selector', 'spec.nodeName=kwok-node-1'])
    )
    assert.ok(pods.every((p) => p.nodeName === 'kwok-node-1'))
  })

  test(
    'by deployment: only its own pods, not a look-alike label on another ReplicaSet',
    T,
    async () => {
      const pods = await run.candidatePods({ workload: 'deployment/orders' })
      assert.deepEqual(
        pods.map((p) => p.name).sort(),
        await podNames('shop', ['-l', 'app=orders,!fake'])
      )
      assert.ok(pods.every((p) => p.name.startsWith('orders-')))
    }
  )

  test('by statefulset', T, async () => {
    const pods = await run.candidatePods({ workload: 'statefulset/db' })
    assert.deepEqual(pods.map((p) => p.name).sort(), ['db-0', 'db-1'])
  })

  test('a missing workload is one line', T, async () => {
    await assert.rejects(run.candidatePods({ workload: 'deployment/nope' }), {
      message: 'deployment/nope not found in namespace shop',
    })
  })

  test('terminating pods are not candidates', T, async () => {
    await cluster.kubectl(['apply', '-f', '-'], {
      input: podYaml({
        namespace: 'shop',
        name: 'stuck',
        labels: { app: 'stuck' },
        finalizers: ['ordeal.test/hold'],
      }),
    })
    assert.deepEqual(
      (await run.candidatePods({ labels: { app: 'stuck' } })).map((p) => p.name),
      ['stuck']
    )
    await cluster.kubectl(['delete', 'pod', '-n', 'shop', 'stuck', '--wait=false'])
    assert.deepEqual(await run.candidatePods({ labels: { app: 'stuck' } }), [])
    await cluster.kubectl([
      'patch',
      'pod',
      '-n',
      'shop',
      'stuck',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":null}}',
    ])
  })

  test('selection: mode, caps and maxPodsPerFault, reported with the names', T, async () => {
    const lines: string[] = []
    const picked = await run.selectPods(
      { workload: 'deployment/orders', mode: 'fixed', value: 2 },
      (line) => lines.push(line)
    )
    assert.equal(picked.length, 2)
    assert.equal(lines.length, 1)
    assert.match(
      lines[0]!,
      /^picked 2 of 3 pods of deployment\/orders in shop \(mode fixed 2\): orders-\S+, orders-\S+$/
    )
    const capped = await connectKubernetes(spec('shop', { maxPodsPerFault: 1 }), { env: env() })
    const one: string[] = []
    assert.equal(
      (await capped.selectPods({ labels: { app: 'orders' }, mode: 'all' }, (l) => one.push(l)))
        .length,
      1
    )
    assert.match(
      one[0]!,
      /^picked 1 of 5 pods matching app=orders in shop \(mode all, clamped to maxPodsPerFault 1\): /
    )
    capped.close()
    await assert.rejects(
      run.selectPods({ labels: { app: 'orders' }, mode: 'all', maxPercent: 10 }, () => undefined),
      {
        message:
          'maxPercent 10 allows no target: 10% of the 5 pods matching app=orders in shop rounds down to 0; nothing was injected',
      }
    )
    await assert.rejects(
      run.selectPods({ labels: { app: 'none' } }, () => undefined),
      {
        message: 'no pods matching app=none in shop',
      }
    )
  })

  test(
    'a bad selector is one line naming the field; a denied namespace is refused',
    T,
    async () => {
      await assert.rejects(run.candidatePods({ selector: 'tier in web' }), (error: Error) => {
        assert.ok(error instanceof FaultInjectionError)
        assert.match(error.message, /^pods\.selector "tier in web" is not a requirement/)
        return true
      })
      await assert.rejects(run.candidatePods({ fieldSelector: 'spec.nodeName' }), {
        message: /^pods\.fieldSelector "spec\.nodeName" is not a field requirement/,
      })
      await assert.rejects(run.candidatePods({ namespace: 'kube-system', labels: { a: 'b' } }), {
        message: /^namespace "kube-system" is in the deny list/,
      })
    }
  )

  test('nodes: by name, labels, selector; mode and caps', T, async () => {
    assert.deepEqual(
      (await run.candidateNodes({ name: 'kwok-node-2' })).map((n) => n.name),
      ['kwok-node-2']
    )
    const nodes = await run.candidateNodes({ labels: { type: 'kwok' } })
    assert.deepEqual(nodes.map((n) => n.name).sort(), ['kwok-node-1', 'kwok-node-2'])
    assert.ok(nodes.every((n) => n.unschedulable === false && n.uid !== ''))
    assert.equal((await run.candidateNodes({ selector: 'type notin (kwok)' })).length, 0)
    const lines: string[] = []
    const picked = await run.selectNodes({ labels: { type: 'kwok' }, mode: 'one' }, (l) =>
      lines.push(l)
    )
    assert.deepEqual(
      picked.map((n) => n.name),
      ['kwok-node-1']
    )
    assert.equal(lines[0], 'picked 1 of 2 nodes matching type=kwok (mode one): kwok-node-1')
  })
})

describe('kubernetes undo', () => {
  const undo = (request: KubeUndoRequest) =>
    executeUndo({
      kind: 'kubernetes',
      connection: { kubeconfig: cluster.kubeconfig },
      request,
      label: 'test undo',
    })
  const get = (args: string[]) => cluster.kubectl(['get', ...args]).then((s) => s.trim())

  test('merge patch restores a replica count', T, async () => {
    await cluster.namespace('undo-scale')
    await cluster.kubectl(['apply', '-f', '-'], {
      input: deploymentYaml({
        namespace: 'undo-scale',
        name: 'web',
        replicas: 3,
        labels: { app: 'web' },
      }),
    })
    await cluster.kubectl(['scale', '-n', 'undo-scale', 'deployment/web', '--replicas=1'])
    await undo({
      op: 'patch',
      path: '/apis/apps/v1/namespaces/undo-scale/deployments/web/scale',
      patchType: 'merge',
      body: { spec: { replicas: 3 } },
    })
    assert.equal(
      await get(['-n', 'undo-scale', 'deployment/web', '-o', 'jsonpath={.spec.replicas}']),
      '3'
    )
  })

  test('json patch uncordons a node; a 404 is already undone', T, async () => {
    await cluster.kubectl(['cordon', 'kwok-node-2'])
    await undo({
      op: 'patch',
      path: '/api/v1/nodes/kwok-node-2',
      patchType: 'json',
      body: [{ op: 'replace', path: '/spec/unschedulable', value: false }],
    })
    // false is left out of the object: schedulable again.
    assert.equal(await get(['node', 'kwok-node-2', '-o', 'jsonpath={.spec.unschedulable}']), '')
    await undo({
      op: 'patch',
      path: '/api/v1/nodes/no-such-node',
      patchType: 'merge',
      body: { spec: { unschedulable: false } },
    })
  })

  test(
    'delete with a uid precondition; gone and re-created by someone else both count as undone',
    T,
    async () => {
      await cluster.namespace('undo-delete')
      const policy = (name: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: undo-delete}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`
      await cluster.kubectl(['apply', '-f', '-'], { input: policy('ordeal-deny') })
      const uid = await get([
        'networkpolicy',
        '-n',
        'undo-delete',
        'ordeal-deny',
        '-o',
        'jsonpath={.metadata.uid}',
      ])
      const path = '/apis/networking.k8s.io/v1/namespaces/undo-delete/networkpolicies/ordeal-deny'
      await undo({ op: 'delete', path, uid })
      assert.equal(await get(['networkpolicy', '-n', 'undo-delete', '-o', 'name']), '')
      await undo({ op: 'delete', path, uid }) // 404: already undone
      // Re-created under the same name by someone else: not ours to delete.
      await cluster.kubectl(['apply', '-f', '-'], { input: policy('ordeal-deny') })
      await undo({ op: 'delete', path, uid })
      assert.equal(
        await get(['networkpolicy', '-n', 'undo-delete', '-o', 'name']),
        'networkpolicy.networking.k8s.io/ordeal-deny'
      )
    }
  )

  test('any other refusal throws the Status message on one line', T, async () => {
    await assert.rejects(
      undo({
        op: 'patch',
        path: '/apis/apps/v1/namespaces/undo-scale/deployments/web/scale',
        patchType: 'json',
        // (A failing `test` op is taken as done: "changed during the fault, left alone".)
        body: [{ op: 'replace', path: '/spec/no/such/field', value: 42 }],
      }),
      (error: Error) => {
        assert.match(error.message, /^test undo: .+/)
        assert.ok(!error.message.includes('\n'), error.message)
        return true
      }
    )
  })

  test('an unreadable kubeconfig throws (the watchdog retries)', T, async () => {
    const missing = path.join(cluster.dir, 'missing.kubeconfig')
    await assert.rejects(
      executeUndo({
        kind: 'kubernetes',
        connection: { kubeconfig: missing },
        request: { op: 'delete', path: '/api/v1/namespaces/x/pods/y' },
        label: 'test undo',
      }),
      { message: `kubeconfig ${missing} does not exist` }
    )
  })
})

describe('least privilege', () => {
  test(
    'a service account with a Role for pods alone: connects, lists pods, the rest is refused by the real authorizer',
    T,
    async () => {
      await cluster.kubectl(['apply', '-f', '-'], {
        input: `apiVersion: v1
kind: ServiceAccount
metadata: {name: narrow, namespace: shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pods-only, namespace: shop}
rules:
  - {apiGroups: [""], resources: [pods], verbs: [get, list, watch, delete]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: narrow-pods-only, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pods-only}
subjects: [{kind: ServiceAccount, name: narrow, namespace: shop}]
`,
      })
      const token = (await cluster.kubectl(['create', 'token', '-n', 'shop', 'narrow'])).trim()
      const admin = readFileSync(cluster.kubeconfig, 'utf8')
      const narrow = admin
        .replace(/client-certificate-data: \S+\n\s+client-key-data: \S+/, `token: ${token}`)
        .replace(/ordeal-test-admin/g, 'narrow')
      assert.ok(narrow.includes(`token: ${token}`))
      const file = path.join(cluster.dir, 'narrow.kubeconfig')
      writeFileSync(file, narrow, { mode: 0o600 })
      // It may not read the Namespace object (cluster-scoped): connecting still works.
      const limited = await connectKubernetes(spec('shop'), {
        env: { KUBECONFIG: file, HOME: '/nonexistent' },
      })
      try {
        const pods = await limited.candidatePods({ labels: { app: 'orders' } })
        assert.equal(pods.length, 5)
        // Without `list replicasets` the pods have no workload (no recovery time), nothing fails.
        assert.ok(pods.every((p) => p.workload === undefined))
        await assert.rejects(limited.candidatePods({ workload: 'deployment/orders' }), {
          message:
            /^read deployment\/orders: deployments\.apps "orders" is forbidden: User "system:serviceaccount:shop:narrow" cannot get resource "deployments" in API group "apps" in the namespace "shop"$/,
        })
        // An action outside the role, replayed as an undo: the Status message, one line.
        await assert.rejects(
          executeUndo({
            kind: 'kubernetes',
            connection: { kubeconfig: file },
            request: { op: 'delete', path: '/api/v1/namespaces/shop/secrets/anything' },
            label: 'delete a secret',
          }),
          {
            message:
              'delete a secret: secrets "anything" is forbidden: User "system:serviceaccount:shop:narrow" cannot delete resource "secrets" in API group "" in the namespace "shop"',
          }
        )
      } finally {
        limited.close()
      }
    }
  )
})

describe('outage', () => {
  test('the API server down: one line naming the server and the refusal', T, async () => {
    await cluster.stopApiServer()
    try {
      await assert.rejects(connectKubernetes(spec('shop'), { env: env() }), (error: Error) => {
        assert.match(
          error.message,
          /^cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED 127\.0\.0\.1:\d+$/
        )
        return true
      })
    } finally {
      await cluster.startApiServer()
    }
  })
})
