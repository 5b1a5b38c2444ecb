import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runScore, stepScore } from './score.js'

const step = (weight: number, passed: number, total: number, ran = true) => ({
  weight,
  ran,
  probesPassed: passed,
  probesTotal: total,
})

test('a step scores 100 when every probe passed, else floor(passed × 100 / total)', () => {
  assert.equal(stepScore(step(10, 2, 2)), 100)
  assert.equal(stepScore(step(10, 1, 2)), 50)
  assert.equal(stepScore(step(10, 1, 3)), 33)
  assert.equal(stepScore(step(10, 0, 3)), 0)
  assert.equal(stepScore(step(10, 0, 0)), 100, 'a fault step without probes that ran is a pass')
  assert.equal(stepScore(step(10, 2, 2, false)), 0, 'a step that never ran scores 0')
})

test('two steps, one failing probe, scores exactly 50', () => {
  assert.equal(runScore([step(10, 1, 1), step(10, 0, 1)], 0), 50)
})

test("Litmus's worked example: fault A passes, fault B has 1 of 2 probes → 75", () => {
  assert.equal(runScore([step(10, 2, 2), step(10, 1, 2)], 0), 75)
})

test('weights and truncation to two decimals', () => {
  assert.equal(runScore([step(20, 1, 1), step(10, 0, 1)], 0), 66.66)
  assert.equal(runScore([step(1, 1, 3), step(2, 1, 1)], 0), 77.66)
})

test('never above 100 nor below 0; fallback without weight', () => {
  assert.equal(runScore([step(10, 5, 3)], 0), 100)
  assert.equal(runScore([], 100), 100)
  assert.equal(runScore([step(0, 0, 1)], 42), 42)
})
