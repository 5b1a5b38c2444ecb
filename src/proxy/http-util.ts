/**
 * Reply helpers with the reference's exact bytes: compact JSON, `{error,status}` + newline
 * for errors (Go's http.Error headers), and an xid-like request id.
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'

const kMaxBody = 1024 * 1024

export function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let size = 0
    req.on('data', (data: Buffer) => {
      size += data.length
      if (size <= kMaxBody) {
        parts.push(data)
      }
    })
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')))
    req.on('error', reject)
  })
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(text)
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status)
  res.end()
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendPlain(res, status, `${JSON.stringify({ error: message, status })}\n`)
}

export function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(text),
  })
  res.end(text)
}

const kBase32Hex = '0123456789abcdefghijklmnopqrstuv'

/** 20 base32hex characters, like the xid ids the reference sends. */
export function requestId(): string {
  const bytes = randomBytes(12)
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += kBase32Hex[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return out + kBase32Hex[(value << (5 - bits)) & 31]
}
