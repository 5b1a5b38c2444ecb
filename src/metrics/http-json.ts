/**
 * One bounded JSON GET for the metric sources: a size cap (an answer is one object), errors as
 * one-line messages (`ECONNREFUSED: connect ...`, `status 401`), never a stack.
 * @module
 */
import { errorMessage, excerpt } from '../probes/attempt.js'

/** A queue object or a query answer is small; anything bigger is not worth parsing. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024

export interface JsonAnswer {
  status: number
  body: unknown
}

export async function getJson(
  url: string,
  signal: AbortSignal,
  headers: Record<string, string> = {}
): Promise<JsonAnswer> {
  let response: Response
  let text: string
  const target = withoutCredentials(url)
  try {
    response = await fetch(target.url, {
      signal,
      headers: { accept: 'application/json', ...target.headers, ...headers },
    })
    const length = Number(response.headers.get('content-length') ?? 0)
    if (length > MAX_RESPONSE_BYTES) {
      await response.body?.cancel().catch(() => undefined)
      throw new Error(`answer of ${length} bytes is too large for one reading`)
    }
    text = await response.text()
  } catch (err) {
    throw new Error(signal.aborted ? abortText(signal) : errorMessage(err))
  }
  try {
    return { status: response.status, body: JSON.parse(text) as unknown }
  } catch {
    throw new Error(`status ${response.status}, not JSON: ${excerpt(text, 80)}`)
  }
}

/**
 * `http://user:pass@host/` → the URL without them and a Basic header: fetch refuses URLs with
 * credentials, and its refusal quotes the URL, password included, into a journaled error.
 */
function withoutCredentials(url: string): { url: string; headers: Record<string, string> } {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error('not a valid URL')
  }
  if (parsed.username === '' && parsed.password === '') {
    return { url, headers: {} }
  }
  const user = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ''
  parsed.password = ''
  const basic = Buffer.from(`${user}:${password}`).toString('base64')
  return { url: parsed.toString(), headers: { authorization: `Basic ${basic}` } }
}

function abortText(signal: AbortSignal): string {
  const reason: unknown = signal.reason
  return reason instanceof Error && reason.name === 'TimeoutError' ? 'timed out' : 'aborted'
}
