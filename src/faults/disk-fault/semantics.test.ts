import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ExperimentInput } from '../../experiment/schema.js'
import { diskFaultIssues } from './semantics.js'

const withFault = (system: object, powerLoss?: object): ExperimentInput =>
  ({
    apiVersion: 'ordeal.dev/v1',
    kind: 'Experiment',
    metadata: { name: 'x' },
    spec: {
      hypothesis: 'h',
      system: { services: [{ name: 'db', command: 'true' }], ...system },
      steps: [
        {
          serial: [
            {
              fault: {
                type: 'disk-fault',
                path: '{{services.db.dataDir}}',
                latency: '5ms',
                ...(powerLoss ? { powerLoss } : {}),
                duration: '1s',
              },
            },
          ],
        },
      ],
    },
  }) as unknown as ExperimentInput

describe('disk-fault semantics', () => {
  test('a local run with a power loss of a launched service is fine', () => {
    assert.deepEqual(diskFaultIssues(withFault({}, { target: { service: 'db' } })), [])
  })

  test('names an unknown or attached power-loss target, at its field', () => {
    assert.deepEqual(diskFaultIssues(withFault({}, { target: { service: 'dv' } })), [
      {
        path: ['spec', 'steps', 0, 'serial', 0, 'fault', 'powerLoss', 'target', 'service'],
        message: "no service named 'dv' in spec.system.services (did you mean 'db'?)",
      },
    ])
    assert.match(
      diskFaultIssues(withFault({}, { target: { attach: 'legacy' } }))[0]?.message ?? '',
      /an attached process cannot be/
    )
  })

  test('refuses agents and a Kubernetes system', () => {
    assert.match(
      diskFaultIssues(withFault({ agents: [{ name: 'a' }] }))[0]?.message ?? '',
      /multi-host experiment/
    )
    assert.match(
      diskFaultIssues(withFault({ kubernetes: { namespace: 'shop' } }))[0]?.message ?? '',
      /not inside pods/
    )
  })
})
