import { test } from 'node:test'
import assert from 'node:assert/strict'
import { reportJournal, reportResult } from '../../../test/support/report-journal.js'
import { ReportCollector } from './collect.js'
import { reportHtml, scriptJson } from './render.js'

test('scriptJson: nothing in the data can end the script element; the JSON still parses back', () => {
  const value = { a: '</script><script>alert(1)</script>', b: 'line\u2028sep\u2029', c: '<!--' }
  const text = scriptJson(value)
  assert.doesNotMatch(text, /<\/script|<!--|\u2028|\u2029/i)
  assert.deepEqual(JSON.parse(text), value)
})

test('the file embeds the data once, the page script inline, and fetches nothing', () => {
  const events = [...reportJournal()]
  const data = new ReportCollector().addAll(events).finish(reportResult(events))
  const html = reportHtml(data, 'window.__page = 1')
  // The hypothesis holds `</script>`: escaped in the headline and in the JSON.
  assert.equal(html.match(/<\/script>/g)?.length, 2)
  assert.match(html, /orders keep flowing &amp; none is lost &lt;\/script&gt;/)
  const json = /<script type="application\/json" id="ordeal-report-data">(.*?)<\/script>/s.exec(
    html
  )
  assert.deepEqual(JSON.parse(json![1]!), data)
  assert.doesNotMatch(html, /\b(src|href)=/)
  assert.throws(() => reportHtml(data, 'x = "</script>"'), /cannot inline/)
})
