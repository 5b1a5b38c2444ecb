import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connectRunCluster } from './kubernetes-system.js'
import type { Experiment } from '../experiment/model.js'

const experiment = (kubeconfig?: string) =>
  ({
    system: {
      kubernetes: {
        namespace: 'shop',
        deniedNamespaces: ['kube-system'],
        maxPodsPerFault: 10,
        ...(kubeconfig === undefined ? {} : { kubeconfig }),
      },
    },
  }) as unknown as Experiment

test('no spec.system.kubernetes: no cluster, nothing loaded', async () => {
  assert.equal(await connectRunCluster({ system: {} } as unknown as Experiment, {}), undefined)
})

test("a Chaos Center or agent run refuses the manifest's kubeconfig (trust model)", async () => {
  await assert.rejects(
    connectRunCluster(experiment('/etc/kubernetes/admin.conf'), { untrustedManifest: true }),
    {
      message:
        'spec.system.kubernetes.kubeconfig is not allowed in a run of a Chaos Center or an agent: set the cluster on the agent: ordeal agent --kubeconfig',
    }
  )
})

test('a run of your own reads it (and says which file is missing)', async () => {
  await assert.rejects(
    connectRunCluster(experiment('/nonexistent/kc'), {}, { HOME: '/nonexistent' }),
    {
      message: 'kubeconfig /nonexistent/kc does not exist',
    }
  )
})

test('an agent run without a cluster lent by its agent is refused, whatever this process could find', async () => {
  await assert.rejects(
    connectRunCluster(
      experiment(),
      { untrustedManifest: true, grant: { owner: 'agent' } },
      {
        HOME: '/home/u',
        KUBECONFIG: '/etc/kubernetes/admin.conf',
      }
    ),
    {
      message:
        'this agent has no Kubernetes cluster: start it with --kubeconfig (or $KUBECONFIG, ~/.kube/config, in a pod)',
    }
  )
  await assert.rejects(
    connectRunCluster(experiment(), { untrustedManifest: true, grant: { owner: 'Chaos Center' } }),
    { message: 'this Chaos Center has no Kubernetes cluster: start it with --kubeconfig' }
  )
})
