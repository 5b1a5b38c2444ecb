import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defineExperiment, resolve } from './define.js'
import { loadExperimentText } from './load.js'
import { ManifestError } from './errors.js'

const yaml = `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: same
spec:
  hypothesis: both paths agree
  system:
    services:
      - { name: api, command: node, args: [server.js], ports: { http: 0 }, replicas: 2 }
  steps:
    - name: pause-api
      fault: { type: process-pause, target: { service: api, mode: one }, after: 1s, duration: 5s }
      probes:
        - { name: up, type: tcp, mode: Continuous, port: '{{services.api.ports.http}}' }
    - wait: 2s
`

test('the TypeScript API produces the same model as YAML', () => {
  const typed = defineExperiment({
    apiVersion: 'ordeal.dev/v1',
    kind: 'Experiment',
    metadata: { name: 'same' },
    spec: {
      hypothesis: 'both paths agree',
      system: {
        services: [
          { name: 'api', command: 'node', args: ['server.js'], ports: { http: 0 }, replicas: 2 },
        ],
      },
      steps: [
        {
          name: 'pause-api',
          fault: {
            type: 'process-pause',
            target: { service: 'api', mode: 'one' },
            after: '1s',
            duration: '5s',
          },
          probes: [
            { name: 'up', type: 'tcp', mode: 'Continuous', port: '{{services.api.ports.http}}' },
          ],
        },
        { wait: '2s' },
      ],
    },
  })
  const fromTs = resolve(typed, { baseDir: '/work' })
  const { file: _file, ...fromYaml } = loadExperimentText(yaml, '/work/x.yaml')
  assert.deepEqual(fromTs, fromYaml)
  assert.equal(fromTs.root.kind === 'serial' && fromTs.root.children[0]!.kind, 'fault')
})

test('the TypeScript API validates with the same messages', () => {
  assert.throws(
    () =>
      resolve({
        apiVersion: 'ordeal.dev/v1',
        kind: 'Experiment',
        metadata: { name: 'x' },
        spec: { hypothesis: 'h', steps: [{ wait: '5 sec' }] },
      }),
    (error: unknown) =>
      error instanceof ManifestError &&
      /spec\.steps\[0\]\.wait: must be a duration like 30s/.test(error.message)
  )
})
