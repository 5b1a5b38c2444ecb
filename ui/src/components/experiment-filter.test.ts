/**
 * The experiment list's URL and running indicator (which experiments match is tested with the
 * shared filter, src/shared/experiment-filter.test.ts).
 * @module
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ExperimentSummary } from '../../../src/shared/api.js'
import { filterQuery, runningCount } from './experiment-filter.js'

test('the filter goes to the server as ?q=&label=', () => {
  assert.equal(
    filterQuery({ q: ' slow ', labels: ['team=payments', 'a=b=c'] }),
    '?q=slow&label=team%3Dpayments&label=a%3Db%3Dc'
  )
  assert.equal(filterQuery({ q: '', labels: [] }), '')
})

test('running indicator: the count of running runs', () => {
  const e = (runningRuns: number) => ({ runningRuns }) as ExperimentSummary
  assert.equal(runningCount(e(2)), 2)
  assert.equal(runningCount(e(0)), 0)
})
