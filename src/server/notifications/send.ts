/**
 * One HTTP POST of a delivery, classified: delivered (2xx), retry (no answer, timeout, 408,
 * 429, 5xx: with the receiver's Retry-After), failed (any other answer: a 404 or 403 will not
 * heal by itself, and a redirect is not followed: the target's URL is what the owner set).
 * node:http directly: no proxy from the environment, no connection pool, a hard timeout. The
 * URL holds a secret (a Slack webhook's path): no message here ever contains it, not even
 * echoed back by the receiver (safe-answer.ts).
 * @module
 */
import http from 'node:http'
import https from 'node:https'
import { oneLine } from '../api/validation.js'
import { parseRetryAfter } from './retry-policy.js'
import { safeAnswer } from './safe-answer.js'

export type SendOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; error: string; retryAfterMs?: number }
  | { kind: 'failed'; error: string }

export const SEND_TIMEOUT_MS = 10_000
/** What is kept of a refusal's body for the reason (Slack answers `invalid_payload`, `no_service`). */
const MAX_BODY = 200

export function postJson(
  url: string,
  payload: unknown,
  options: { timeoutMs?: number; userAgent?: string; now?: () => number } = {}
): Promise<SendOutcome> {
  const timeoutMs = options.timeoutMs ?? SEND_TIMEOUT_MS
  const now = options.now ?? Date.now
  const body = Buffer.from(JSON.stringify(payload))
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    let done = false
    const finish = (outcome: SendOutcome) => {
      if (!done) {
        done = true
        clearTimeout(deadline)
        resolve(outcome)
      }
    }
    const request = client.request(
      target,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(body.length),
          'user-agent': options.userAgent ?? 'ordeal-notifier',
        },
      },
      (response) => {
        const status = response.statusCode ?? 0
        const chunks: Buffer[] = []
        let kept = 0
        response.on('data', (chunk: Buffer) => {
          if (kept < MAX_BODY) {
            chunks.push(chunk)
            kept += chunk.length
          }
        })
        response.on('error', () => undefined)
        response.on('end', () => {
          // Only a short plain answer that does not echo the URL (safe-answer.ts) is kept.
          const text = safeAnswer(
            oneLine(Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY)),
            url
          )
          finish(classify(status, text, response.headers['retry-after'], now()))
        })
      }
    )
    const deadline = setTimeout(() => {
      request.destroy()
      finish({ kind: 'retry', error: `no answer within ${timeoutMs / 1000} s` })
    }, timeoutMs)
    request.on('error', (error: NodeJS.ErrnoException) => {
      finish({ kind: 'retry', error: networkError(error) })
    })
    request.end(body)
  })
}

export function classify(
  status: number,
  body: string,
  retryAfter: string | undefined,
  now: number
): SendOutcome {
  if (status >= 200 && status < 300) {
    return { kind: 'delivered', status }
  }
  const said = body !== '' ? `: ${body}` : ''
  if (status >= 300 && status < 400) {
    return { kind: 'failed', error: `answered ${status}; redirects are not followed` }
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs =
      status === 429 || status === 503 ? parseRetryAfter(retryAfter, now) : undefined
    return {
      kind: 'retry',
      error: `answered ${status}${said}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    }
  }
  return { kind: 'failed', error: `answered ${status}${said}` }
}

/** The error's code and kind, never its message (Node puts host names and paths there). */
function networkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)'
    case 'ECONNRESET':
      return 'connection reset (ECONNRESET)'
    case 'ENOTFOUND':
      return 'host not found (ENOTFOUND)'
    case 'ETIMEDOUT':
      return 'connection timed out (ETIMEDOUT)'
    case 'EHOSTUNREACH':
      return 'host unreachable (EHOSTUNREACH)'
    default:
      return error.code !== undefined ? `network error (${error.code})` : 'network error'
  }
}
