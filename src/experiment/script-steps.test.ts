import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defineExperiment, resolve } from './define.js'
import { ManifestError } from './errors.js'
import { planSteps } from '../engine/plan.js'
import { dryRunLines } from '../engine/dry-run.js'

const pause = async () => undefined
const experiment = defineExperiment({
  apiVersion: 'ordeal.dev/v1',
  kind: 'Experiment',
  metadata: { name: 'scripts' },
  spec: {
    hypothesis: 'h',
    system: { services: [{ name: 'api', command: 'node' }] },
    steps: [
      pause,
      { wait: '1s' },
      {
        parallel: [
          {
            name: 'named',
            run: pause,
            weight: 3,
            probes: [{ name: 'up', type: 'tcp', mode: 'EOT', port: 1 }],
          },
          async () => undefined,
        ],
      },
    ],
  },
})

test('script steps resolve to script steps at their place, with names, weight and probes', () => {
  const resolved = resolve(experiment, { baseDir: '/work' })
  const root = resolved.root
  assert.ok(root.kind === 'serial')
  const [first, wait, group] = root.children
  assert.deepEqual(
    [first?.kind, first?.name, first?.path],
    ['script', 'script (step 1)', 'spec.steps[0]']
  )
  assert.ok(first?.kind === 'script' && first.script === pause)
  assert.equal(wait?.kind, 'wait')
  assert.ok(group?.kind === 'parallel')
  const [named, anonymous] = group.children
  assert.deepEqual(
    [named?.kind, named?.name, named?.weight, named?.probes.map((p) => p.id)],
    ['script', 'named', 3, ['run.2.0/up']]
  )
  assert.deepEqual([anonymous?.kind, anonymous?.name], ['script', 'script (step 3.2)'])
  // The input object itself is left as written.
  assert.equal(experiment.spec.steps[0], pause)
})

test('a script step is planned (scored, no fixed length) and shown by --dry-run', async () => {
  const resolved = resolve(experiment, { baseDir: '/work' })
  const plan = planSteps(resolved)
  const first = plan.find((p) => p.id === 'run.0')
  assert.deepEqual([first?.kind, first?.scored, first?.plannedDurationMs], ['script', true, 0])
  assert.equal(plan.find((p) => p.id === 'run.1')?.plannedStartMs, 0)
  const lines = await dryRunLines(resolved)
  assert.ok(
    lines.some((l) => /script \(step 1\): script \(TypeScript function/.test(l)),
    lines.join('\n')
  )
})

test("a script step's other fields are validated like any step's", () => {
  assert.throws(
    () =>
      resolve({
        apiVersion: 'ordeal.dev/v1',
        kind: 'Experiment',
        metadata: { name: 'x' },
        spec: { hypothesis: 'h', steps: [{ run: pause, weight: -1 } as never] },
      }),
    (error: unknown) =>
      error instanceof ManifestError &&
      /spec\.steps\[0\]\.weight: must be 0 or more/.test(error.message)
  )
})
