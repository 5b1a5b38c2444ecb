import { test } from 'node:test'
import assert from 'node:assert/strict'
import { agentCluster, serverCluster } from './agent-cluster.js'
import { SERVICE_ACCOUNT_TOKEN } from '../../safety/kube-connection.js'

const none = () => false

test('an agent in a pod lends its runs the in-cluster API address it sees (not a secret)', () => {
  const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: '/h' }
  assert.deepEqual(
    agentCluster({}, env, (f) => f === SERVICE_ACCOUNT_TOKEN),
    {
      owner: 'agent',
      connection: { inCluster: true, apiServer: { host: '10.96.0.1', port: '443' } },
    }
  )
})

test('--kubeconfig, --context and --allow-namespace are resolved in the agent', () => {
  assert.deepEqual(
    agentCluster(
      { kubeconfig: '/k/kc', context: 'staging', allowNamespace: ['kube-system,kube-public'] },
      { HOME: '/h' },
      (f) => f === '/k/kc'
    ),
    {
      owner: 'agent',
      connection: { kubeconfig: '/k/kc', context: 'staging' },
      allowNamespaces: ['kube-system', 'kube-public'],
    }
  )
})

test('no configuration: an agent without a cluster (its Kubernetes runs are refused)', () => {
  assert.deepEqual(agentCluster({}, { HOME: '/h' }, none), { owner: 'agent' })
})

test('bad flags are one line', () => {
  assert.equal(
    agentCluster({ kubeconfig: '/k/missing' }, { HOME: '/h' }, none),
    '--kubeconfig /k/missing does not exist'
  )
  assert.equal(
    agentCluster({ allowNamespace: ['Kube_System'] }, { HOME: '/h' }, none),
    "--allow-namespace 'Kube_System' must be a namespace name"
  )
  assert.match(
    agentCluster({ context: 'prod' }, { HOME: '/h' }, none) as string,
    /^--context prod: no Kubernetes configuration/
  )
})

test('ordeal server lends only the cluster its operator names, never $KUBECONFIG or ~/.kube/config', () => {
  assert.deepEqual(
    serverCluster({}, () => true),
    { owner: 'Chaos Center' }
  )
  assert.deepEqual(
    serverCluster({ kubeconfig: '/k/kc', context: 'staging' }, (f) => f === '/k/kc'),
    { owner: 'Chaos Center', connection: { kubeconfig: '/k/kc', context: 'staging' } }
  )
  assert.equal(
    serverCluster({ context: 'staging' }, () => true),
    '--context needs --kubeconfig (the Chaos Center uses only the cluster it is given)'
  )
  assert.equal(
    serverCluster({ kubeconfig: '/k/none' }, none),
    '--kubeconfig /k/none does not exist'
  )
})
