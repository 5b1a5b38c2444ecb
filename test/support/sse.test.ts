/**
 * The stream reader the server tests share must never hang a test: `cancel()` returns even
 * when the server ends the stream right after the message the test waited for (a run's end).
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { openStream } from './sse.js'

let respond: ((res: http.ServerResponse) => void) | undefined
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.write('event: journal\ndata: []\n\n')
  respond?.(res)
})
after(() => {
  server.closeAllConnections()
  server.close()
})

async function url(): Promise<string> {
  if (!server.listening) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  }
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

test(
  'cancel() returns after the server ended the stream with the awaited message',
  { timeout: 20_000 },
  async () => {
    for (let i = 0; i < 5; i++) {
      let end: (() => void) | undefined
      respond = (res) => (end = () => res.end('event: status\ndata: {}\n\n'))
      const stream = await openStream(await url(), 'token')
      await stream.waitFor((m) => m.event === 'journal', 'the first message')
      end!()
      await stream.waitFor((m) => m.event === 'status', 'the end of the run')
      await stream.cancel() // hung here before: the test's timeout fails it rather than the suite
    }
  }
)

test('cancel() returns on a stream the server keeps open', { timeout: 20_000 }, async () => {
  respond = undefined
  const stream = await openStream(await url(), 'token')
  await stream.waitFor((m) => m.event === 'journal', 'the first message')
  await stream.cancel()
  assert.equal(stream.messages.length, 1)
})
