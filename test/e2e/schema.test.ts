import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { repoRoot, runCli } from '../support/cli.js'

test('ordeal schema prints the JSON Schema, and the committed copy is fresh', async () => {
  const r = await runCli(['schema'])
  assert.equal(r.exitCode, 0, r.stderr)
  const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown>; required: string[] }
  assert.deepEqual(Object.keys(schema.properties).sort(), [
    'apiVersion',
    'kind',
    'metadata',
    'spec',
  ])
  const committed = readFileSync(path.join(repoRoot, 'schema/experiment-v1.json'), 'utf8')
  assert.equal(r.stdout, committed, 'run `npm run schema` and commit schema/experiment-v1.json')
})

test('every example manifest validates', async () => {
  const r = await runCli([
    'validate',
    'examples/quickstart/experiment.yaml',
    'examples/quickstart/experiment-no-retries.yaml',
    'examples/etcd-partition/experiment.yaml',
    'examples/etcd-partition/experiment-weakened.yaml',
    'examples/kubernetes/pod-delete/experiment.yaml',
    'examples/kubernetes/order-delivery/experiment.yaml',
    'examples/broker-database/latency.yaml',
    'examples/broker-database/feeder-kill.yaml',
    'examples/broker-database/mariadb-kill.yaml',
    'examples/broker-database/capacity.yaml',
    'examples/deeper-faults/syscall-error.yaml',
  ])
  assert.equal(r.exitCode, 0, r.stderr)
})
