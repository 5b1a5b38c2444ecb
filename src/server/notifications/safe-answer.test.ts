import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { safeAnswer } from './safe-answer.js'

const SLACK = 'https://hooks.slack.test/services/T0/B0/SeCrEtPaTh'

test("short plain answers are kept: Slack's tokens, a reason phrase", () => {
  assert.equal(safeAnswer('invalid_payload', SLACK), 'invalid_payload')
  assert.equal(safeAnswer('no_service\n', SLACK), 'no_service')
  assert.equal(safeAnswer('slow down', SLACK), 'slow down')
  assert.equal(safeAnswer('', SLACK), '')
})

test("Express's default 404 echoing the path is dropped, as HTML and as text", () => {
  const html =
    '<!DOCTYPE html> <html lang="en"> <head> <meta charset="utf-8"> <title>Error</title> </head> <body> <pre>Cannot POST /services/T0/B0/SeCrEtPaTh</pre> </body> </html>'
  assert.equal(safeAnswer(html, SLACK), '')
  assert.equal(safeAnswer('Cannot POST /services/T0/B0/SeCrEtPaTh', SLACK), '')
})

test('an echo of a piece of the URL is dropped: a segment, truncated, encoded, the query, the userinfo', () => {
  assert.equal(safeAnswer('unknown hook SeCrEtPaTh', SLACK), '')
  assert.equal(safeAnswer('unknown hook secre', SLACK), '')
  assert.equal(safeAnswer('bad key a%20b', 'http://h/x?key=a%20b'), '')
  assert.equal(safeAnswer('bad key tok3n', 'http://h/hook?key=tok3n'), '')
  assert.equal(safeAnswer('hello bobby', 'http://bobby:pw@h/hook'), '')
  assert.equal(safeAnswer('path geheim x', 'http://h/%67eheim'), '')
})

test('property: whatever the receiver answers, no secret segment of the URL is kept', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_-]{8,24}$/)
  fc.assert(
    fc.property(
      segment,
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 40 }),
      (secret, a, b) => {
        const url = `http://127.0.0.1:9/services/T0/B0/${secret}`
        for (const echoed of [
          `${a}${secret}${b}`,
          `${a} ${secret} ${b}`,
          `${a}${encodeURIComponent(secret)}`,
        ]) {
          assert.ok(!safeAnswer(echoed, url).toLowerCase().includes(secret.toLowerCase()))
        }
      }
    )
  )
})
