/**
 * Bounded cost per request, against the real server (issue 12 §4 and the Host check of §5):
 * an unauthenticated or unroutable request is answered before its body is read; rate limits
 * answer 429 with Retry-After, per user and per address (before authentication); a `Host` that is not loopback is
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

  test('writes: 429 with Retry-After per user, per address at twice that; reads unaffected', async () => {
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
    // Another user from the same address still has its own budget...
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

describe('rate limits count users and addresses, not tokens', () => {
  let limited: ChaosCenter
  before(async () => {
    limited = await startChaosCenter({ args: ['--rate-limit', 'write=3'] })
  })
  after(async () => {
    await limited?.dispose()
  })

  test('a second token of the same user buys no more; bad tokens spend the address budget', async () => {
    const a = await createUserWithToken(limited, 'editor')
    const validate = (token: string) =>
      apiFetch(limited.url, '/api/experiments/validate', {
        token,
        method: 'POST',
        body: { yaml: 'x: 1' },
      })
    const minted = await apiFetch<{ secret: string }>(limited.url, '/api/tokens', {
      token: a.token,
      method: 'POST',
      body: { name: 'second' },
    })
    assert.equal(minted.status, 201, minted.text)
    assert.equal((await validate(a.token)).status, 200)
    assert.equal((await validate(a.token)).status, 200)
    // The user's budget (3 writes) is spent: the new token shares it.
    assert.equal((await validate(minted.json.secret)).status, 429)
    // Unauthenticated writes are counted per address before the token is even looked up.
    const statuses: number[] = []
    for (let i = 0; i < 8 && statuses.at(-1) !== 429; i++) {
      statuses.push((await validate('ordl_tok_not-a-token')).status)
    }
    assert.equal(statuses.at(-1), 429, statuses.join(','))
    assert.ok(
      statuses.every((s) => s === 401 || s === 429),
      statuses.join(',')
    )
  })
})

/** A manifest whose metadata.labels holds `keys` keys (valid YAML, valid schema). */
function manyKeys(keys: number, hypothesis = 'h'): string {
  const labels: string[] = []
  for (let i = 0; i < keys; i++) {
    labels.push(`    k${i.toString(36)}: v`)
  }
  return `apiVersion: ordeal.dev/v1
kind: Experiment
metadata:
  name: many-keys
  labels:
${labels.join('\n')}
spec:
  hypothesis: ${hypothesis}
  steps:
    - name: nap
      wait: 100ms
`
}

describe('manifest bounds', () => {
  let editor: { token: string }
  before(async () => {
    editor = await createUserWithToken(center, 'editor')
  })

  /** Each request with /api/health beside it: both answer, neither waits behind the other. */
  async function withHealth<T>(request: () => Promise<T>): Promise<T> {
    const [answer, health] = await Promise.all([
      request(),
      apiFetch(center.url, '/api/health', { headers: {} }),
    ])
    assert.equal(health.status, 200)
    return answer
  }

  const routes = (yaml: string) => [
    { path: '/api/runs/record', method: 'POST', body: { yaml, runId: 'big-run' } },
    { path: '/api/experiments', method: 'POST', body: { yaml } },
    { path: '/api/experiments/validate', method: 'POST', body: { yaml } },
    { path: '/api/experiments/exp_none', method: 'PUT', body: { yaml } },
  ]

  test('1 MB with 75,000 keys: 413 at once on every manifest route, health answers meanwhile', async () => {
    const yaml = manyKeys(75_000)
    assert.ok(yaml.length > 900_000 && yaml.length < 1024 * 1024, String(yaml.length))
    for (const { path, method, body } of routes(yaml)) {
      const started = Date.now()
      const r = await withHealth(() =>
        apiFetch(center.url, path, { token: editor.token, method, body })
      )
      assert.equal(r.status, 413, `${path}: ${r.text}`)
      assert.match(r.text, /"too_large".*body\.yaml: \d+ KiB, larger than the limit of 256 KiB/)
      // Generous: the quadratic check took 74 s; a refusal by size takes milliseconds.
      assert.ok(Date.now() - started < 10_000, `${path} took ${Date.now() - started} ms`)
    }
  })

  test('under the byte limit but over 10,000 keys: 400 naming the limit (also with unset variables)', async () => {
    for (const hypothesis of ['h', '${UNSET_ON_THE_SERVER}']) {
      const yaml = manyKeys(15_000, hypothesis)
      assert.ok(Buffer.byteLength(yaml) < 256 * 1024)
      // Unset variables stop create/update/validate before the YAML is parsed at all; the
      // record route accepts them, and parses the YAML for the name.
      const checked = hypothesis === 'h' ? routes(yaml) : routes(yaml).slice(0, 1)
      for (const { path, method, body } of checked) {
        const r = await withHealth(() =>
          apiFetch(center.url, path, { token: editor.token, method, body })
        )
        const text = path.endsWith('/validate') ? JSON.stringify(r.json) : r.text
        if (!path.endsWith('/validate')) {
          assert.equal(r.status, 400, `${path}: ${r.text}`)
        }
        assert.match(text, /more than 10000 keys in one manifest/, `${path} (${hypothesis})`)
      }
    }
  })

  test('duplicate keys are found in a large manifest of the record route, quickly', async () => {
    const yaml = manyKeys(9_000, '${UNSET_ON_THE_SERVER}').replace('    k0: v', '    k1: v')
    const r = await apiFetch(center.url, '/api/runs/record', {
      token: editor.token,
      method: 'POST',
      body: { yaml, runId: 'dup-run' },
    })
    assert.equal(r.status, 400, r.text)
    assert.match(r.text, /duplicate key 'k1'/)
  })
})
