/**
 * The quickstart inside the test runner: `node --import tsx --test examples/typescript/`.
 * `chaos.run` runs the experiment in this process and fails the test with the experiment's
 * reason; each step is a subtest, so `--test-reporter=junit` lists them. The second test fails
 * on purpose: it is what a disproved hypothesis looks like in your test report.
 */
import { test } from 'node:test'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chaos } from 'ordeal/test'
import { quickstart } from './experiment.js'

const here = path.dirname(fileURLToPath(import.meta.url))

test('quickstart: users never notice killed api replicas', { timeout: 120_000 }, async (t) => {
  await chaos.run(quickstart({ retries: 1 }), { t, baseDir: here })
})

test('quickstart without retries (fails on purpose)', { timeout: 120_000 }, async (t) => {
  await chaos.run(quickstart({ retries: 0 }), { t, baseDir: here })
})
