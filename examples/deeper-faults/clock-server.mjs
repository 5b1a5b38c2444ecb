// A service that reports its own wall clock, for the clock-skew example and tests.
//   GET /time -> { "now": <Date.now()>, "skewSeconds": <wall clock minus real time, rounded> }
// It learns the real time without asking anyone: at start its wall clock is real (the
// timestamp file says "+0"), and its monotonic clock is never faked (DONT_FAKE_MONOTONIC), so
// real now = wall clock at start + monotonic time elapsed. A lease or TTL service that checks
// its wall clock against its monotonic clock does the same to notice a clock jump.
// With CLOCK_FILE set it also writes "<Date.now()> <performance.now()>" there every 100 ms
// (write + rename), which is what the tests read: the program's own output, not ordeal's. The
// pair is taken at one instant, so a rate (wall over monotonic) needs no outside clock.
import { createServer } from 'node:http'
import { renameSync, writeFileSync } from 'node:fs'

const wallAtStart = Date.now()
const monoAtStart = process.hrtime.bigint()
const realNow = () => wallAtStart + Number((process.hrtime.bigint() - monoAtStart) / 1_000_000n)

const file = process.env.CLOCK_FILE
if (file) {
  const tick = () => {
    writeFileSync(`${file}.tmp`, `${Date.now()} ${performance.now()}\n`)
    renameSync(`${file}.tmp`, file)
  }
  tick()
  setInterval(tick, 100)
}

const port = Number(process.env.PORT ?? 0)
if (process.env.PORT !== undefined) {
  createServer((req, res) => {
    if (req.url === '/health') {
      res.end('ok')
      return
    }
    if (req.url === '/time') {
      const now = Date.now()
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ now, skewSeconds: Math.round((now - realNow()) / 1000) }))
      return
    }
    res.statusCode = 404
    res.end()
  }).listen(port, '127.0.0.1')
} else if (!file) {
  setInterval(() => {}, 1000)
}
