import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { attachment } from './run-downloads.js'

test('a download is named <experiment>-<runId>.<ext>', () => {
  assert.equal(
    attachment({ experimentName: 'shop-kill', id: 'shop-kill-20261206T1200-ab12cd' }, 'json'),
    'attachment; filename="shop-kill-shop-kill-20261206T1200-ab12cd.json"'
  )
})

test('no name can break out of the quoted filename or the header', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (experimentName, id) => {
      const header = attachment({ experimentName, id }, 'xml')
      const name = /^attachment; filename="([^"]*)"$/.exec(header)?.[1]
      assert.ok(name !== undefined, header)
      assert.match(name, /^[A-Za-z0-9._-]*-[A-Za-z0-9._-]*\.xml$/)
    })
  )
})
