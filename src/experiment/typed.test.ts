/**
 * Typed names (issue 19 §1): checked by `tsc --noEmit -p .` (each `@ts-expect-error` must be
 * an error, or tsc fails) and run as a test (defineExperiment returns its argument as is).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defineExperiment, resolve } from './define.js'

const system = {
  services: [
    { name: 'api', command: 'node', args: ['api.js'] },
    { name: 'db', command: 'node', args: ['db.js'], host: 'h1' },
  ],
  attach: [{ name: 'legacy', match: 'legacy-daemon' }],
  networks: [{ name: 'n' }],
  hosts: [
    { name: 'h1', networks: ['n'] },
    { name: 'h2', networks: ['n'] },
  ],
}

test('declared names type-check and keep runtime identity', () => {
  const experiment = defineExperiment({
    apiVersion: 'ordeal.dev/v1',
    kind: 'Experiment',
    metadata: { name: 'typed' },
    spec: {
      hypothesis: 'h',
      system,
      probes: [
        { name: 'api-up', type: 'tcp', mode: 'Continuous', port: 1 },
        // A probe's host is an address, not one of spec.system.hosts.
        { name: 'db-up', type: 'tcp', mode: 'EOT', host: '127.0.0.1', port: 2 },
      ],
      abort: [{ probe: 'api-up' }],
      steps: [
        { fault: { type: 'process-pause', target: { service: 'api' }, duration: '1s' } },
        { fault: { type: 'process-kill', target: { attach: 'legacy' }, duration: '1s' } },
        { fault: { type: 'network-bandwidth', host: 'h2', rate: '1mbit', duration: '1s' } },
        {
          run: async ({ fault }) => {
            await fault.pause('api', '1s')
            await fault.kill({ service: 'db', mode: 'all' }, '1s', { signal: 'SIGKILL' })
            await fault.processRestart({ attach: 'legacy' }, '1s')
          },
        },
      ],
    },
  })
  assert.equal(defineExperiment(experiment), experiment)
  assert.equal(typeof experiment.spec.steps[3], 'object')
})

test('a reference to an undeclared name is a type error', () => {
  // One typo per call: each `@ts-expect-error` must meet exactly its own error.
  const base = {
    apiVersion: 'ordeal.dev/v1',
    kind: 'Experiment',
    metadata: { name: 'typos' },
  } as const
  const probes = [{ name: 'api-up', type: 'tcp', mode: 'Continuous', port: 1 }] as const
  const calls = [
    () =>
      defineExperiment({
        ...base,
        spec: {
          hypothesis: 'h',
          system,
          steps: [
            // @ts-expect-error -- no service 'ap1': only 'api' and 'db' are declared
            { fault: { type: 'process-pause', target: { service: 'ap1' }, duration: '1s' } },
          ],
        },
      }),
    () =>
      defineExperiment({
        ...base,
        spec: {
          hypothesis: 'h',
          system,
          steps: [
            // @ts-expect-error -- no attach entry 'legacyy'
            { fault: { type: 'process-kill', target: { attach: 'legacyy' }, duration: '1s' } },
          ],
        },
      }),
    () =>
      defineExperiment({
        ...base,
        spec: {
          hypothesis: 'h',
          system,
          steps: [
            // @ts-expect-error -- no host 'h3'
            { fault: { type: 'network-bandwidth', host: 'h3', rate: '1mbit', duration: '1s' } },
          ],
        },
      }),
    () =>
      defineExperiment({
        ...base,
        spec: {
          hypothesis: 'h',
          system,
          probes: [...probes],
          // @ts-expect-error -- no probe 'api-upp'
          abort: [{ probe: 'api-upp' }],
          steps: [{ wait: '1s' }],
        },
      }),
    () =>
      defineExperiment({
        ...base,
        spec: {
          hypothesis: 'h',
          system,
          steps: [
            async ({ fault }) => {
              // @ts-expect-error -- no service 'ap1' in a script either
              await fault.pause('ap1', '1s')
            },
          ],
        },
      }),
  ]
  // Typos are still caught at run time, with the YAML messages, for JavaScript users.
  assert.throws(() => resolve(calls[0]!()), /ap1/)
  assert.throws(() => resolve(calls[1]!()), /legacyy/)
  assert.throws(() => resolve(calls[2]!()), /h3/)
  assert.throws(() => resolve(calls[3]!()), /api-upp/)
})
