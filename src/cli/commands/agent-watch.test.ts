import assert from 'node:assert/strict'
import { test } from 'node:test'
import { agentWatch } from './agent-watch.js'

const connection = { kubeconfig: '/k/kc' }

test('without --watch-workloads: nothing to watch; --watch-namespace alone is an error', () => {
  assert.equal(agentWatch({}, { owner: 'agent', connection }), undefined)
  assert.equal(
    agentWatch({ watchNamespace: ['shop'] }, { owner: 'agent', connection }),
    '--watch-namespace needs --watch-workloads'
  )
})

test('--watch-workloads needs the agent’s cluster', () => {
  assert.equal(
    agentWatch({ watchWorkloads: true }, { owner: 'agent' }),
    '--watch-workloads needs a Kubernetes cluster: --kubeconfig, $KUBECONFIG, ~/.kube/config, or a pod with a service account'
  )
})

test('the whole cluster by default; namespaces listed, split on commas, once each', () => {
  assert.deepEqual(agentWatch({ watchWorkloads: true }, { owner: 'agent', connection }), {
    connection,
    namespaces: [],
    allowNamespaces: [],
  })
  assert.deepEqual(
    agentWatch(
      { watchWorkloads: true, watchNamespace: ['shop,pay', 'shop'] },
      { owner: 'agent', connection }
    ),
    { connection, namespaces: ['shop', 'pay'], allowNamespaces: [] }
  )
})

test('a deny-list namespace needs --allow-namespace; the agent’s own never', () => {
  assert.equal(
    agentWatch(
      { watchWorkloads: true, watchNamespace: ['kube-system'] },
      { owner: 'agent', connection }
    ),
    '--watch-namespace kube-system is in the deny list (kube-system, kube-public, kube-node-lease); add --allow-namespace kube-system to watch it'
  )
  assert.deepEqual(
    agentWatch(
      { watchWorkloads: true, watchNamespace: ['kube-system'] },
      { owner: 'agent', connection, allowNamespaces: ['kube-system'] }
    ),
    { connection, namespaces: ['kube-system'], allowNamespaces: ['kube-system'] }
  )
  assert.equal(
    agentWatch(
      { watchWorkloads: true, watchNamespace: ['ordeal'] },
      { owner: 'agent', connection },
      'ordeal'
    ),
    "--watch-namespace ordeal is the agent's own namespace: never watched"
  )
  assert.equal(
    agentWatch({ watchWorkloads: true, watchNamespace: ['Shop'] }, { owner: 'agent', connection }),
    "--watch-namespace 'Shop' must be a namespace name"
  )
})
