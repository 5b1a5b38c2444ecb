/**
 * Bounded cost per request, against the real server (issue 12 §4 and the Host check of §5):
 * an unauthenticated or unroutable request is answered before its body is read; rate limits
 * answer 429 with Retry-After, per token and per address; a `Host` that is not loopback is
 * refused (DNS rebinding); huge manifests are refused quickly while /api/health answers.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import { after, before, describe, test } from 'node:test'
import {
  apiFetch,
  createUserWithToken,
  startChaosCenter,
  type ChaosCenter,
} from '../support/chaos-center.js'

let center: ChaosCenter

before(async () => {
  center = await startChaosCenter()
})

after(async () => {
  await center?.dispose()
})

interface RawAnswer {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  /** Body bytes the client had written when the answer's head arrived. */
  sentBeforeAnswer: number
}

/**
 * Sends a request announcing `bodyBytes` of body but writes only its first 64 KiB until the
 * server answers (or `boundMs` passes, which fails the test): proves the server answered
 * without reading the body. Then aborts the rest.
 */
function answerWithoutBody(
  url: string,
  path: string,
  options: {
    method?: string
    headers?: Record<string, string>
    bodyBytes?: number
    boundMs?: number
  } = {}
): Promise<RawAnswer> {
  const bodyBytes = options.bodyBytes ?? 2 * 1024 * 1024
  const chunk = Buffer.alloc(64 * 1024, 'a')
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), {
      method: options.method ?? 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(bodyBytes),
        ...options.headers,
      },
    })
    const timer = setTimeout(() => {
      req.destroy()
      reject(
        new Error(
          `no answer within ${options.boundMs ?? 10_000} ms: the server waited for the body`
        )
      )
    }, options.boundMs ?? 10_000)
    req.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    req.on('response', (res) => {
      clearTimeout(timer)
      const sent = req.socket?.bytesWritten ?? 0
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => {
        req.destroy()
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, sentBeforeAnswer: sent })
      })
    })
    req.write(chunk)
  })
}

describe('work before the body', () => {
  test('an unauthenticated 2 MiB POST is answered 401 before its body is sent', async () => {
    for (const path of ['/api/runs/record', '/api/experiments', '/api/runs/x/events']) {
      const answer = await answerWithoutBody(center.url, path)
      assert.equal(answer.status, 401, `${path}: ${answer.body}`)
      assert.ok(answer.sentBeforeAnswer < 1024 * 1024, `${path}: ${answer.sentBeforeAnswer}`)
      assert.equal(JSON.parse(answer.body).error, 'unauthorized')
    }
  })

  test('a wrong-role POST is answered 403 before its body is sent', async () => {
    const viewer = await createUserWithToken(center, 'viewer')
    const answer = await answerWithoutBody(center.url, '/api/experiments', {
      headers: { authorization: `Bearer ${viewer.token}` },
    })
    assert.equal(answer.status, 403, answer.body)
  })

  test('a POST to no route is answered 404 before its body is sent', async () => {
    const answer = await answerWithoutBody(center.url, '/api/no-such-route')
    assert.equal(answer.status, 404, answer.body)
    assert.equal(JSON.parse(answer.body).error, 'not_found')
  })
})

/** One request with a chosen Host header (fetch would send the URL's own). */
function withHost(
  url: string,
  path: string,
  host: string
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, url), { headers: { host } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('Host check on loopback (DNS rebinding)', () => {
  test('a foreign Host gets 421 with one line; loopback names with the right port pass', async () => {
    const port = new URL(center.url).port
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${Number(port) + 1}`]) {
      for (const path of ['/api/health', '/', '/api/experiments']) {
        const r = await withHost(center.url, path, host)
        assert.equal(r.status, 421, `${host} ${path}: ${r.body}`)
        const body = JSON.parse(r.body) as { error: string; message: string }
        assert.equal(body.error, 'misdirected')
        assert.doesNotMatch(body.message, /\n/)
      }
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
      const r = await withHost(center.url, '/api/health', host)
      assert.equal(r.status, 200, `${host}: ${r.body}`)
    }
  })
})

describe('rate limits', () => {
  let limited: ChaosCenter
  before(async () => {
    limited = await startChaosCenter({ args: ['--rate-limit', 'login=4,write=5'] })
  })
  after(async () => {
    await limited?.dispose()
  })

  test('writes: 429 with Retry-After per token, per address at twice that; reads unaffected', async () => {
    const a = await createUserWithToken(limited, 'editor')
    const b = await createUserWithToken(limited, 'editor')
    const validate = (token: string) =>
      apiFetch(limited.url, '/api/experiments/validate', {
        token,
        method: 'POST',
        body: { yaml: 'x: 1' },
      })
    for (let i = 0; i < 5; i++) {
      assert.equal((await validate(a.token)).status, 200)
    }
    const over = await validate(a.token)
    assert.equal(over.status, 429, over.text)
    assert.match(over.headers.get('retry-after') ?? '', /^[1-9]\d*$/)
    assert.equal((over.json as { error: string }).error, 'rate_limited')
    // Another token from the same address still has its own budget...
    assert.equal((await validate(b.token)).status, 200)
    assert.equal((await apiFetch(limited.url, '/api/experiments', { token: a.token })).status, 200)
    // ...until the address's budget (twice the token's) is spent too. The owner's user
    // creations above spent from it as well.
    let status = 200
    for (let i = 0; i < 12 && status === 200; i++) {
      status = (await validate(b.token)).status
    }
    assert.equal(status, 429)
  })

  test('login: 429 with Retry-After per address', async () => {
    // Two logins were spent by the harness and the test above; spend the rest with bad codes.
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) {
      const r = await apiFetch(limited.url, '/api/auth/login', {
        method: 'POST',
        body: { code: 'ordl_login_nope' },
      })
      statuses.push(r.status)
      if (r.status === 429) {
        assert.match(r.headers.get('retry-after') ?? '', /^[1-9]\d*$/)
      }
    }
    assert.equal(statuses.at(-1), 429, statuses.join(','))
    assert.ok(statuses.includes(401), statuses.join(','))
  })
})
