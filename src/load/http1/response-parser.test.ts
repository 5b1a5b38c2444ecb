import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MAX_HEAD_BYTES, ResponseParseError, ResponseParser } from './response-parser.js'
import type { ParsedResponse } from './response-parser.js'

interface Spec {
  status: number
  body: string
  framing: 'length' | 'chunked'
  /** Chunk sizes for a chunked body (the rest goes in a last chunk). */
  chunks: number[]
  close: boolean
  extraHeaders: [string, string][]
}

function encode(spec: Spec): Buffer {
  const bodyless = spec.status === 204 || spec.status === 304
  const body = bodyless ? Buffer.alloc(0) : Buffer.from(spec.body)
  let head = `HTTP/1.1 ${spec.status} Reason Phrase\r\n`
  for (const [name, value] of spec.extraHeaders) {
    head += `${name}: ${value}\r\n`
  }
  if (spec.close) {
    head += 'Connection: close\r\n'
  }
  if (bodyless) {
    return Buffer.from(`${head}\r\n`, 'latin1')
  }
  if (spec.framing === 'length') {
    return Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}\r\n\r\n`), body])
  }
  const parts: Buffer[] = [Buffer.from(`${head}Transfer-Encoding: chunked\r\n\r\n`)]
  let offset = 0
  for (const size of [...spec.chunks, body.length]) {
    const piece = body.subarray(offset, Math.min(body.length, offset + size))
    offset += piece.length
    if (piece.length > 0) {
      parts.push(Buffer.from(`${piece.length.toString(16)};ext=1\r\n`), piece, Buffer.from('\r\n'))
    }
  }
  parts.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'))
  return Buffer.concat(parts)
}

/** Feeds `bytes` split at `cuts`; returns the responses and whether end() completed cleanly. */
function parse(bytes: Buffer, cuts: number[], keepBodies = true): ParsedResponse[] {
  const responses: ParsedResponse[] = []
  const parser = new ResponseParser((r) => responses.push(r))
  parser.keepBodies = keepBodies
  let last = 0
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    parser.push(bytes.subarray(last, cut))
    last = cut
  }
  parser.push(bytes.subarray(last))
  return responses
}

const specArb: fc.Arbitrary<Spec> = fc.record({
  status: fc.constantFrom(200, 201, 204, 304, 404, 500, 503),
  body: fc.string({ maxLength: 300 }),
  framing: fc.constantFrom('length' as const, 'chunked' as const),
  chunks: fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 6 }),
  close: fc.constant(false),
  extraHeaders: fc.array(
    fc.tuple(
      fc.constantFrom('Date', 'X-Long-Header-Name', 'Server', 'Keep-Alive'),
      fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ''))
    ),
    { maxLength: 3 }
  ),
})

describe('response parser', () => {
  test('any split of valid responses into chunks parses the same', () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (specs, rawCuts) => {
          const bytes = Buffer.concat(specs.map(encode))
          const cuts = rawCuts.map((c) => c % (bytes.length + 1))
          const whole = parse(bytes, [])
          const split = parse(bytes, cuts)
          assert.deepEqual(split, whole)
          assert.equal(whole.length, specs.length)
          whole.forEach((r, i) => {
            const spec = specs[i]!
            assert.equal(r.status, spec.status)
            assert.equal(r.keepAlive, true)
            const expected = spec.status === 204 || spec.status === 304 ? '' : spec.body
            assert.equal(r.body?.toString(), expected)
          })
        }
      ),
      { numRuns: 300 }
    )
  })

  test('bodies are skipped, not kept, unless asked for', () => {
    const bytes = encode({
      status: 200,
      body: 'x'.repeat(100),
      framing: 'chunked',
      chunks: [7, 13],
      close: false,
      extraHeaders: [],
    })
    assert.deepEqual(parse(bytes, [5, 50, 90], false), [{ status: 200, keepAlive: true }])
  })

  test('Connection: close, HTTP/1.0 and a body delimited by the close end the connection', () => {
    const closed = parse(
      Buffer.from('HTTP/1.1 200 OK\r\nconnection: Close\r\ncontent-length: 2\r\n\r\nok'),
      []
    )
    assert.deepEqual(closed, [{ status: 200, keepAlive: false, body: Buffer.from('ok') }])
    const old = parse(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'), [])
    assert.equal(old[0]!.keepAlive, false)
    const oldKept = parse(
      Buffer.from('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n'),
      []
    )
    assert.equal(oldKept[0]!.keepAlive, true)
    const hinted = parse(
      Buffer.from('HTTP/1.1 204 No Content\r\nKeep-Alive: timeout=5, max=100\r\n\r\n'),
      []
    )
    assert.deepEqual(hinted, [
      { status: 204, keepAlive: true, body: Buffer.alloc(0), idleTimeoutMs: 5000 },
    ])

    const responses: ParsedResponse[] = []
    const parser = new ResponseParser((r) => responses.push(r))
    parser.keepBodies = true
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\nuntil'))
    parser.push(Buffer.from(' close'))
    assert.equal(responses.length, 0)
    assert.equal(parser.end(), true)
    assert.deepEqual(responses, [
      { status: 200, keepAlive: false, body: Buffer.from('until close') },
    ])
  })

  test('an informational 100 Continue is skipped; a cut-off response is not complete', () => {
    const r = parse(
      Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'),
      [3, 30]
    )
    assert.deepEqual(r, [{ status: 201, keepAlive: true, body: Buffer.alloc(0) }])
    const parser = new ResponseParser(() => assert.fail('not complete'))
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'))
    assert.equal(parser.inResponse, true)
    assert.equal(parser.end(), false)
  })

  const bad: [string, string][] = [
    ['not HTTP', 'SSH-2.0-OpenSSH_9.2\r\n\r\n'],
    ['a bad status code', 'HTTP/1.1 2x0 OK\r\n\r\n'],
    ['HTTP/2 framing', 'HTTP/2 200\r\n\r\n'],
    ['a bad content-length', 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'],
    [
      'conflicting content-lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
    ],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n'],
    ['whitespace before a colon', 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok'],
    ['a tab before a colon', 'HTTP/1.1 200 OK\r\nX-A\t: 1\r\nContent-Length: 0\r\n\r\n'],
    ['a status in exponent form', 'HTTP/1.1 1e2 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a status with a leading space', 'HTTP/1.1  20 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a status below 100', 'HTTP/1.1 099 OK\r\nContent-Length: 0\r\n\r\n'],
    ['a bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    ['chunk data without CRLF', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX'],
  ]
  for (const [name, text] of bad) {
    test(`${name} is a ResponseParseError`, () => {
      assert.throws(() => parse(Buffer.from(text), []), ResponseParseError)
    })
  }

  test('an endless head is an error, not unbounded memory', () => {
    const parser = new ResponseParser(() => undefined)
    parser.push(Buffer.from('HTTP/1.1 200 OK\r\n'))
    const line = Buffer.from(`X: ${'a'.repeat(1000)}\r\n`)
    assert.throws(() => {
      for (let i = 0; i <= MAX_HEAD_BYTES / line.length + 1; i++) {
        parser.push(line)
      }
    }, ResponseParseError)
  })

  test('arbitrary bytes never throw anything but a ResponseParseError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc
            .string({ maxLength: 200 })
            .map((s) => new TextEncoder().encode(`HTTP/1.1 200 OK\r\n${s}`))
        ),
        fc.array(fc.nat(), { maxLength: 10 }),
        (bytes, rawCuts) => {
          const buffer = Buffer.from(bytes)
          try {
            parse(
              buffer,
              rawCuts.map((c) => c % (buffer.length + 1))
            )
          } catch (error) {
            assert.ok(error instanceof ResponseParseError, String(error))
          }
        }
      ),
      { numRuns: 500 }
    )
  })
})
