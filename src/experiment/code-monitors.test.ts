import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withCodeMonitors } from './code-monitors.js'
import { resolve } from './define.js'
import { ManifestError } from './errors.js'
import { accept, goto, monitor } from '../monitors/index.js'
import type { ExperimentInput } from './schema.js'
import type { Observation } from '../monitors/observation.js'

const input: ExperimentInput = {
  apiVersion: 'ordeal.dev/v1',
  kind: 'Experiment',
  metadata: { name: 'code-monitors' },
  spec: {
    hypothesis: 'h',
    steps: [{ name: 'w', wait: '1s' }],
    monitors: [
      {
        name: 'yaml-one',
        initial: 'a',
        states: { a: { when: [{ on: 'fault.injected', accept: true }] } },
      },
    ],
  },
}

const up = () =>
  monitor<'down' | 'up', Observation>('code-one', 'down', {
    down: () => goto('up'),
    up: () => accept(),
  })

const message = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof ManifestError)
    return error.message
  }
  assert.fail('no ManifestError')
}

describe('withCodeMonitors', () => {
  const experiment = resolve(input)

  it('adds monitor(...) definitions as the code monitors, beside spec.monitors', () => {
    const m = up()
    const joined = withCodeMonitors(experiment, [m], 'x.ts')
    assert.deepEqual(joined.codeMonitors, [m])
    assert.equal(joined.monitors?.length, 1)
    assert.equal(experiment.codeMonitors, undefined, 'the experiment itself is not changed')
  })

  it('refuses what is not an array of monitors, in one line naming the source', () => {
    assert.match(
      message(() => withCodeMonitors(experiment, {}, 'x.ts')),
      /x\.ts.*monitors.*must be an array/
    )
    assert.match(
      message(() => withCodeMonitors(experiment, [up(), { name: 'n' }], 'x.ts')),
      /monitors.*\[1\] is not a monitor/
    )
  })

  it('refuses a name that another monitor has, code or YAML: results are keyed by name', () => {
    assert.match(
      message(() => withCodeMonitors(experiment, [up(), up()], 'x.ts')),
      /a second monitor named 'code-one'/
    )
    const clash = monitor<'a', Observation>('yaml-one', 'a', { a: () => accept() })
    assert.match(
      message(() => withCodeMonitors(experiment, [clash], 'x.ts')),
      /a second monitor named 'yaml-one'/
    )
  })
})
