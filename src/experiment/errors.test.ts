import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { formatIssue } from './errors.js'
import { unusedSetIssues } from './interpolate.js'

test('an issue without a line never prints line 0', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string(), (file, path, message) => {
      const where = `${file ? `${file}: ` : ''}${path ? `${path}: ` : ''}`
      assert.equal(formatIssue({ file, line: 0, path, message }), `${where}${message}`)
    })
  )
  assert.equal(
    formatIssue({ file: 'x.yaml', line: 0, path: '', message: 'file not found' }),
    'x.yaml: file not found'
  )
  assert.equal(
    formatIssue({ file: 'x.yaml', line: 3, path: 'spec', message: 'bad' }),
    'x.yaml:3: spec: bad'
  )
})

test('an unused --set names the flag and the file, not a file line', () => {
  const [issue] = unusedSetIssues('experiment.yaml', { PAUES: '1s' }, new Set(['PAUSE']))
  assert.equal(
    formatIssue(issue!),
    "--set PAUES=1s: PAUES is not used by experiment.yaml (did you mean 'PAUSE'?)"
  )
  const [none] = unusedSetIssues('a.yaml', { X: 'y' }, new Set())
  assert.equal(formatIssue(none!), '--set X=y: X is not used by a.yaml (it reads no variable)')
})
