import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadExperimentText } from '../../../experiment/load.js'
import { networkPreflight } from './preflight.js'

const experiment = loadExperimentText(
  `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: preflight }
spec:
  hypothesis: h
  system:
    networks: [{ name: lan }]
    hosts: [{ name: a, networks: [lan] }]
  steps:
    - fault: { type: network-latency, host: a, latency: 100ms, duration: 1s }
`,
  'preflight.yaml'
)

/** A word said twice in one sentence ("Instead, use … instead") reads as a typo. */
function assertNoDoubledWords(message: string): void {
  assert.doesNotMatch(message, /\b(\w+)\s+\1\b/i)
  assert.doesNotMatch(message, /\binstead\b.*\binstead\b/i)
}

test('the netem and root messages point at the proxy, each word once', async () => {
  const netem = await networkPreflight(experiment, {
    isRoot: () => true,
    netemAvailable: () => Promise.resolve(false),
  })
  assert.match(
    netem ?? '',
    /^network-latency needs the netem qdisc.*Instead, use ordeal's TCP proxy/
  )
  assertNoDoubledWords(netem!)
  const root = await networkPreflight(experiment, { isRoot: () => false })
  assert.match(root ?? '', /need root.*Run as root, or use ordeal's TCP proxy/)
  assertNoDoubledWords(root!)
})
