import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defineExperiment, resolve } from './define.js'
import { loadExperimentFile, loadExperimentText } from './load.js'
import { loadExperimentModule } from './module-load.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
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

test('a TypeScript module (ordeal run x.ts) produces the same model as its YAML manifest', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ordeal-define-'))
  try {
    // An ES module package, as a project's would be; it imports the API from this checkout.
    writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n')
    writeFileSync(path.join(dir, 'same.yaml'), yaml)
    const api = pathToFileURL(path.resolve('src/index.ts')).href
    writeFileSync(
      path.join(dir, 'same.ts'),
      `import { defineExperiment } from '${api}'
export default defineExperiment({
  apiVersion: 'ordeal.dev/v1',
  kind: 'Experiment',
  metadata: { name: 'same' },
  spec: {
    hypothesis: 'both paths agree',
    system: { services: [{ name: 'api', command: 'node', args: ['server.js'], ports: { http: 0 }, replicas: 2 }] },
    steps: [
      {
        name: 'pause-api',
        fault: { type: 'process-pause', target: { service: 'api', mode: 'one' }, after: '1s', duration: '5s' },
        probes: [{ name: 'up', type: 'tcp', mode: 'Continuous', port: '{{services.api.ports.http}}' }],
      },
      { wait: '2s' },
    ],
  },
})
`
    )
    const { file: tsFile, ...fromTs } = await loadExperimentModule(path.join(dir, 'same.ts'))
    const { file: yamlFile, ...fromYaml } = await loadExperimentFile(path.join(dir, 'same.yaml'))
    assert.deepEqual(fromTs, fromYaml)
    assert.equal(tsFile, path.join(dir, 'same.ts'))
    assert.equal(yamlFile, path.join(dir, 'same.yaml'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
