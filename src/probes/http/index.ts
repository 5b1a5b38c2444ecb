/**
 * HTTP probe: one request; status, body text and a JSONPath value must meet the criteria.
 * Transport errors, timeouts and unparsable bodies are failed outcomes.
 * @module
 */
import { JSONPath } from 'jsonpath-plus'
import { renderTemplate } from '../../shared/template.js'
import { compare, describeComparator } from '../comparator.js'
import type { Comparison } from '../comparator.js'
import type { ProbeOutcome, ProbeParamsOf } from '../contract.js'
import { defineProbe } from '../contract.js'
import { abortMessage, attemptSignal, errorMessage, excerpt, failed } from '../attempt.js'

type HttpParams = ProbeParamsOf<'http'>
type Expect = NonNullable<HttpParams['expect']>

/** Bodies are read up to this size: enough for any health or status document. */
export const MAX_BODY_BYTES = 1024 * 1024

export const httpProbe = defineProbe({
  type: 'http',

  describe(params) {
    const expect = params.expect ?? {}
    const parts = [
      `${params.method ?? 'GET'} ${params.url} expect status ${describeStatus(expect.status)}`,
    ]
    if (expect.bodyContains !== undefined) {
      parts.push(`body contains ${JSON.stringify(expect.bodyContains)}`)
    }
    if (expect.bodyMatches !== undefined) {
      parts.push(`body matches /${expect.bodyMatches}/`)
    }
    if (expect.jsonPath) {
      parts.push(`${expect.jsonPath.path} ${describeComparator(expect.jsonPath.comparator)}`)
    }
    return parts.join(', ')
  },

  async check(params, ctx) {
    const signal = attemptSignal(ctx)
    const expect = params.expect ?? {}
    let request: { url: string; init: RequestInit }
    try {
      request = {
        url: renderTemplate(params.url, ctx.vars),
        init: {
          method: params.method ?? 'GET',
          headers: Object.fromEntries(
            Object.entries(params.headers ?? {}).map(([k, v]) => [
              renderTemplate(k, ctx.vars),
              renderTemplate(v, ctx.vars),
            ])
          ),
          body: params.body === undefined ? undefined : renderTemplate(params.body, ctx.vars),
          signal,
          redirect: 'follow',
        },
      }
    } catch (err) {
      return failed(errorMessage(err))
    }

    let response: Response
    try {
      response = await fetch(request.url, request.init)
    } catch (err) {
      return failed(signal.aborted ? abortMessage(signal, ctx) : errorMessage(err))
    }

    const status = response.status
    const results: Comparison[] = [statusResult(expect.status, status)]
    const needsBody =
      expect.bodyContains !== undefined || expect.bodyMatches !== undefined || !!expect.jsonPath
    if (!needsBody) {
      // Release the connection without downloading a body nobody looks at.
      await response.body?.cancel().catch(() => undefined)
      return outcome(results, status)
    }

    let body: { text: string; truncated: boolean }
    try {
      body = await readBody(response, MAX_BODY_BYTES)
    } catch (err) {
      const why = signal.aborted ? abortMessage(signal, ctx) : errorMessage(err)
      return failed(`status ${status}; reading body: ${why}`, status)
    }

    if (expect.bodyContains !== undefined) {
      const passed = body.text.includes(expect.bodyContains)
      const verb = passed ? 'contains' : 'does not contain'
      results.push({ passed, message: `body ${verb} ${JSON.stringify(expect.bodyContains)}` })
    }
    if (expect.bodyMatches !== undefined) {
      results.push(bodyMatchesResult(expect.bodyMatches, body.text))
    }
    let value: string | number = status
    if (expect.jsonPath) {
      const json = jsonPathResult(expect.jsonPath, body)
      results.push(json.result)
      value = json.value ?? value
    }
    return outcome(results, value)
  },
})

function outcome(results: Comparison[], value: string | number): ProbeOutcome {
  const failing = results.filter((r) => !r.passed)
  // On failure, keep the status for context and name only what failed.
  const shown =
    failing.length > 0 ? [results[0]!, ...failing.filter((r) => r !== results[0])] : results
  return { passed: failing.length === 0, message: shown.map((r) => r.message).join('; '), value }
}

function describeStatus(status: Expect['status']): string {
  if (status === undefined) {
    return '2xx'
  }
  return typeof status === 'object' ? describeComparator(status) : String(status)
}

/** Without an explicit status, a probe expects success (2xx), whatever else it checks. */
function statusResult(expected: Expect['status'], status: number): Comparison {
  let passed: boolean
  if (expected === undefined) {
    passed = status >= 200 && status <= 299
  } else if (typeof expected === 'number') {
    passed = status === expected
  } else if (typeof expected === 'object') {
    const result = compare(expected, status)
    return { passed: result.passed, message: `status ${result.message}` }
  } else if (/^\dxx$/.test(expected)) {
    passed = Math.floor(status / 100) === Number(expected[0])
  } else {
    const [low, high = low] = expected.split('-').map(Number)
    passed = status >= low! && status <= high!
  }
  const message = passed
    ? `status ${status}`
    : `status ${status}, expected ${describeStatus(expected)}`
  return { passed, message }
}

function bodyMatchesResult(pattern: string, text: string): Comparison {
  let regex: RegExp
  try {
    regex = new RegExp(pattern)
  } catch (err) {
    return { passed: false, message: `invalid bodyMatches /${pattern}/: ${errorMessage(err)}` }
  }
  const passed = regex.test(text)
  return {
    passed,
    message: passed
      ? `body matches /${pattern}/`
      : `body does not match /${pattern}/: ${JSON.stringify(excerpt(text, 60))}`,
  }
}

function jsonPathResult(
  spec: NonNullable<Expect['jsonPath']>,
  body: { text: string; truncated: boolean }
): { result: Comparison; value?: string | number } {
  const fail = (message: string) => ({ result: { passed: false, message } })
  let json: unknown
  try {
    json = JSON.parse(body.text)
  } catch (err) {
    const cut = body.truncated ? ` (body cut at ${MAX_BODY_BYTES} bytes)` : ''
    return fail(`body is not JSON${cut}: ${errorMessage(err)}`)
  }
  let matches: unknown[]
  try {
    // 'safe' evaluates filter expressions without JavaScript eval.
    const found: unknown = JSONPath({
      path: spec.path,
      json: json as object,
      wrap: true,
      eval: 'safe',
    })
    matches = Array.isArray(found) ? found : []
  } catch (err) {
    return fail(`invalid jsonPath ${spec.path}: ${errorMessage(err)}`)
  }
  if (matches.length === 0) {
    return fail(`${spec.path} matched nothing`)
  }
  const first = matches[0]
  const value =
    typeof first === 'number' || typeof first === 'string'
      ? first
      : (JSON.stringify(first) ?? 'undefined')
  const result = compare(spec.comparator, value)
  return { result: { passed: result.passed, message: `${spec.path} ${result.message}` }, value }
}

/** Reads at most `limit` bytes of the body, then cancels the rest of the stream. */
async function readBody(
  response: Response,
  limit: number
): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) {
    return { text: '', truncated: false }
  }
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  let truncated = false
  for (;;) {
    const { done, value } = await reader.read()
    if (done) {
      break
    }
    const room = limit - size
    const chunk = value.byteLength > room ? value.subarray(0, room) : value
    size += chunk.byteLength
    text += decoder.decode(chunk, { stream: true })
    if (size >= limit) {
      truncated = true
      await reader.cancel().catch(() => undefined)
      break
    }
  }
  return { text: text + decoder.decode(), truncated }
}
