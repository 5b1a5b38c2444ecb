/**
 * An imperative step (TypeScript only): pause one api replica, say so in the journal, feed a
 * value to the run's monitors, check the frontend still answers, and resume it early. Every
 * fault still goes through the ledger and is undone, even on Ctrl+C.
 *
 *   ordeal run examples/typescript/script.ts
 */
import { defineExperiment } from 'ordeal'
import { quickstart } from './experiment.js'

const { spec } = quickstart({ retries: 1 })

export default defineExperiment({
  apiVersion: 'ordeal.dev/v1',
  kind: 'Experiment',
  metadata: { name: 'quickstart-script' },
  spec: {
    hypothesis: 'The frontend answers while one api replica is paused.',
    deadline: '1m',
    system: spec.system,
    steps: [
      {
        name: 'pause-one-api',
        run: async ({ fault, note, observe, wait, probe }) => {
          const paused = await fault.pause({ service: 'api', mode: 'fixed', value: 1 }, '10s')
          note('one api replica paused')
          observe('paused-replicas', 1)
          await wait('1s')
          const answer = await probe({
            name: 'frontend-answers',
            type: 'http',
            url: 'http://127.0.0.1:{{services.frontend.ports.http}}/items',
            runProperties: { timeout: '3s' },
          })
          if (!answer.passed) {
            throw new Error(`the frontend stopped answering: ${answer.message}`)
          }
          await paused.revert() // before its 10 s: the replica resumes now
          observe('paused-replicas', 0)
          note('api replica resumed')
        },
        probes: [
          {
            name: 'users-get-items',
            type: 'http',
            mode: 'Continuous',
            url: 'http://127.0.0.1:{{services.frontend.ports.http}}/items',
            runProperties: { pollingInterval: '100ms', timeout: '3s' },
          },
        ],
      },
    ],
  },
})
