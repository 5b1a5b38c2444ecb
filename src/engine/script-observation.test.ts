import { test } from 'node:test'
import assert from 'node:assert/strict'
import { scriptObservation } from './script-observation.js'

test("an observation event is a monitor's value observation; other events are not", () => {
  assert.deepEqual(
    scriptObservation({
      type: 'observation',
      stepId: 'run.0',
      name: 'paused-replicas',
      value: 1,
      seq: 3,
      t: 1,
    }),
    { kind: 'value', name: 'paused-replicas', value: 1 }
  )
  assert.equal(
    scriptObservation({ type: 'script.note', stepId: 'run.0', text: 'x', seq: 4, t: 2 }),
    undefined
  )
})
