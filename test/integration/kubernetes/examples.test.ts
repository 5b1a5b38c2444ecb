/**
 * examples/kubernetes/ cannot rot: every manifest there is accepted by a real kube-apiserver
 * (server-side dry run: admission, defaulting and schema validation, nothing stored), the
 * pod-delete example's Deployment really becomes Available on the test cluster, and both
 * experiments pass `ordeal validate` (the built CLI: npm run build first).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { RunResult } from '../../../src/engine/result.js'
import { repoRoot, runCli } from '../../support/cli.js'
import { startTestCluster, type TestCluster } from '../../support/k8s-cluster.js'

const TIMEOUT = { timeout: 180_000 }
const examples = path.join(repoRoot, 'examples/kubernetes')

/** Every Kubernetes manifest of the examples: every YAML file but the experiments. */
function manifests(): string[] {
  return readdirSync(examples, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('experiment.yaml'))
    .sort()
}

let cluster: TestCluster
before(async () => {
  cluster = await startTestCluster()
  // A dry run does not create the files' Namespaces, and their other objects need them.
  await cluster.namespace('order-delivery')
  await cluster.namespace('ordeal-demo')
})
after(async () => {
  await cluster?.stop()
})

describe('examples/kubernetes', () => {
  test('the manifests are the expected ones', () => {
    assert.deepEqual(manifests(), [
      'order-delivery/common.yaml',
      'order-delivery/v1.yaml',
      'order-delivery/v2.yaml',
      'pod-delete/deployment.yaml',
    ])
  })

  test(
    'every object passes a server-side dry run against the real API server',
    TIMEOUT,
    async () => {
      for (const file of manifests()) {
        const out = await cluster.kubectl([
          'apply',
          '--dry-run=server',
          '-f',
          path.join(examples, file),
        ])
        const objects = readFileSync(path.join(examples, file), 'utf8').split(/^---$/m).length
        assert.equal(out.trim().split('\n').length, objects, `${file}: ${out}`)
        assert.match(out, /\(server dry run\)/)
      }
      // Nothing was stored by the dry run.
      const left = await cluster.kubectl(['get', 'all', '-n', 'order-delivery', '-o', 'name'])
      assert.equal(left.trim(), '')
    }
  )

  test(
    "the pod-delete example's Deployment becomes Available on the test cluster",
    TIMEOUT,
    async () => {
      await cluster.kubectl(['apply', '-f', path.join(examples, 'pod-delete/deployment.yaml')])
      await cluster.kubectl(
        [
          'wait',
          '--for=condition=Available',
          '--timeout=120s',
          '-n',
          'ordeal-demo',
          'deployment/web',
        ],
        { timeoutMs: 130_000 }
      )
      const ready = await cluster.kubectl([
        'get',
        'deployment',
        'web',
        '-n',
        'ordeal-demo',
        '-o',
        'jsonpath={.status.availableReplicas}/{.spec.replicas}',
      ])
      assert.equal(ready, '3/3')
    }
  )

  test(
    'the pod-delete example runs against the test cluster: it passes and reports the recovery time',
    TIMEOUT,
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'ordeal-k8s-example-'))
      try {
        const example = 'examples/kubernetes/pod-delete/experiment.yaml'
        const env = { ORDEAL_STATE_DIR: path.join(dir, 'state') }
        const dry = await runCli(
          ['run', '--dry-run', example, '--kubeconfig', cluster.kubeconfig],
          {
            env,
          }
        )
        assert.equal(dry.exitCode, 0, dry.stderr)
        assert.match(dry.stdout, /web-/, 'the dry run lists the pods of deployment/web')
        const json = path.join(dir, 'result.json')
        const r = await runCli(
          ['run', example, '--kubeconfig', cluster.kubeconfig, '--json', json],
          { env, timeoutMs: 170_000 }
        )
        assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`)
        assert.ok(existsSync(json))
        const result = JSON.parse(readFileSync(json, 'utf8')) as RunResult
        assert.equal(result.verdict, 'pass')
        const recovery = result.faults.flatMap((f) => f.recovery ?? [])
        assert.ok(recovery.length > 0, 'a recovery time is reported')
        for (const rec of recovery) {
          assert.equal(rec.workload, 'deployment/web')
          assert.equal(rec.recovered, true, rec.reason)
          assert.ok((rec.ms ?? -1) >= 0)
        }
        // Independently: the Deployment is whole again.
        const ready = await cluster.kubectl([
          'get',
          'deployment',
          'web',
          '-n',
          'ordeal-demo',
          '-o',
          'jsonpath={.status.availableReplicas}/{.spec.replicas}',
        ])
        assert.equal(ready, '3/3')
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }
  )

  test('both experiments pass ordeal validate', TIMEOUT, async () => {
    const r = await runCli([
      'validate',
      'examples/kubernetes/pod-delete/experiment.yaml',
      'examples/kubernetes/order-delivery/experiment.yaml',
    ])
    assert.equal(r.exitCode, 0, r.stderr)
  })
})
