import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadKubeConfig, resolveConnection, SERVICE_ACCOUNT_TOKEN } from './kube-connection.js'

const none = () => false

test('--kubeconfig wins (as in kubectl), then the manifest, then $KUBECONFIG (its first path)', () => {
  const env = { KUBECONFIG: '/k/a:/k/b', HOME: '/home/u' }
  assert.deepEqual(
    resolveConnection({ manifestKubeconfig: '/m/kc', flagKubeconfig: '/f/kc', env, exists: none }),
    { kubeconfig: '/f/kc' }
  )
  assert.deepEqual(resolveConnection({ manifestKubeconfig: '/m/kc', env, exists: none }), {
    kubeconfig: '/m/kc',
  })
  assert.deepEqual(
    resolveConnection({ flagKubeconfig: '/f/kc', env, exists: none, context: 'c' }),
    {
      kubeconfig: '/f/kc',
      context: 'c',
    }
  )
  assert.deepEqual(resolveConnection({ env, exists: none }), { kubeconfig: '/k/a' })
  assert.deepEqual(resolveConnection({ env: { KUBECONFIG: ':/k/b' }, exists: none }), {
    kubeconfig: '/k/b',
  })
})

test('then ~/.kube/config when it exists, then in-cluster, else a clear error', () => {
  const exists = (file: string) => file === '/home/u/.kube/config'
  assert.deepEqual(resolveConnection({ env: { HOME: '/home/u' }, exists }), {
    kubeconfig: '/home/u/.kube/config',
  })
  const pod = (file: string) => file === SERVICE_ACCOUNT_TOKEN
  assert.deepEqual(
    resolveConnection({
      env: {
        HOME: '/home/u',
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
        KUBERNETES_SERVICE_PORT: '6443',
      },
      exists: pod,
    }),
    { inCluster: true, apiServer: { host: '10.0.0.1', port: '6443' } }
  )
  // The host variable without a token (a pod without a service account): not in-cluster.
  assert.throws(
    () =>
      resolveConnection({
        env: { HOME: '/home/u', KUBERNETES_SERVICE_HOST: '10.0.0.1' },
        exists: none,
      }),
    {
      message:
        /^no Kubernetes configuration: set --kubeconfig, spec\.system\.kubernetes\.kubeconfig or \$KUBECONFIG/,
    }
  )
})

test('an in-cluster ref reconnects without KUBERNETES_SERVICE_HOST (scrubbed run process, watchdog)', async () => {
  assert.equal(process.env['KUBERNETES_SERVICE_HOST'], undefined)
  const kc = await loadKubeConfig({ inCluster: true, apiServer: { host: '10.0.0.1', port: '443' } })
  assert.equal(kc.getCurrentCluster()?.server, 'https://10.0.0.1:443')
  const v6 = await loadKubeConfig({ inCluster: true, apiServer: { host: 'fd00::1', port: '8080' } })
  assert.equal(v6.getCurrentCluster()?.server, 'http://[fd00::1]:8080')
})
