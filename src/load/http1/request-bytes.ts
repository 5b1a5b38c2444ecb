/**
 * A load's requests as bytes. The parts that do not change from one request to the next (the
 * request line and Host of a static URL, the static headers, a whole static request) are
 * encoded once; only `{{seq}}`/`{{uuid}}`/`{{now}}` parts are rendered per request.
 * @module
 */
import type { PreparedLoad } from '../prepare.js'
import { isStatic, render } from '../template.js'
import type { CompiledTemplate, RequestValues } from '../template.js'

/** Where a request goes: one pool of keep-alive connections per origin. */
export interface Origin {
  /** `http://127.0.0.1:8080` */
  key: string
  secure: boolean
  host: string
  port: number
}

export interface EncodedRequest {
  origin: Origin
  bytes: Buffer
}

// RFC 9110 token characters for a header name. A value is written as Latin-1, so it may hold
// only tab, visible ASCII, space and \x80-\xff (node:http's rule): anything else would go on the
// wire as a different byte (✓ as \x13), and CR, LF or NUL would split or end the head.
const kToken = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const kBadValue = /[^\t\x20-\x7e\x80-\xff]/
// Headers the client writes itself from the request (the length of the body it sends).
const kOwnHeaders = new Set(['content-length', 'transfer-encoding'])
// Methods whose empty body is still announced (as node:http does), so the server does not wait.
const kBodyMethods = new Set(['POST', 'PUT', 'PATCH'])

/** One header line, or throws (nothing is sent for a request with a bad header). */
export function headerLine(name: string, value: string): string {
  if (!kToken.test(name)) {
    throw new Error(`invalid header name '${name}'`)
  }
  const bad = kBadValue.exec(value)
  if (bad) {
    const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
    throw new Error(
      `invalid character U+${code} in header '${name}' (a value must be Latin-1, no control characters)`
    )
  }
  return `${name}: ${value}\r\n`
}

interface Start {
  origin: Origin
  /** Request line, Host, Authorization. */
  head: string
}

/** Parses a rendered URL into its origin and the first lines of the request. */
export function requestStart(method: string, url: string, userHost: boolean): Start {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`invalid URL '${url}'`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`unsupported protocol ${parsed.protocol} in ${url}`)
  }
  const secure = parsed.protocol === 'https:'
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port)
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  let head = `${method} ${parsed.pathname}${parsed.search} HTTP/1.1\r\n`
  if (!userHost) {
    head += `Host: ${parsed.host}\r\n`
  }
  if (parsed.username) {
    const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`
    head += `Authorization: Basic ${Buffer.from(credentials).toString('base64')}\r\n`
  }
  return { origin: { key: `${parsed.protocol}//${parsed.host}`, secure, host, port }, head }
}

export class RequestEncoder {
  readonly #method: string
  readonly #url: CompiledTemplate
  readonly #start: Start | undefined
  readonly #staticHeaders: string
  readonly #dynamicHeaders: [CompiledTemplate, CompiledTemplate][]
  readonly #body: CompiledTemplate | undefined
  readonly #userHost: boolean
  /** The whole request, when nothing in it varies. */
  readonly #constant: EncodedRequest | undefined

  /** Throws when a static part cannot be sent (bad URL or header): before any request. */
  constructor(load: Pick<PreparedLoad, 'url' | 'method' | 'headers' | 'body'>) {
    this.#method = load.method
    this.#url = load.url
    this.#body = load.body
    let staticHeaders = ''
    const dynamic: [CompiledTemplate, CompiledTemplate][] = []
    let userHost = false
    let userConnection = false
    for (const [name, value] of load.headers) {
      if (isStatic(name)) {
        const lower = render(name, kNoValues).toLowerCase()
        userHost ||= lower === 'host'
        userConnection ||= lower === 'connection'
        if (kOwnHeaders.has(lower)) {
          continue
        }
      }
      if (isStatic(name) && isStatic(value)) {
        staticHeaders += headerLine(render(name, kNoValues), render(value, kNoValues))
      } else {
        dynamic.push([name, value])
      }
    }
    this.#userHost = userHost
    this.#staticHeaders = userConnection
      ? staticHeaders
      : `${staticHeaders}Connection: keep-alive\r\n`
    this.#dynamicHeaders = dynamic
    this.#start = isStatic(load.url)
      ? requestStart(load.method, render(load.url, kNoValues), userHost)
      : undefined
    const constant =
      this.#start !== undefined && dynamic.length === 0 && (!load.body || isStatic(load.body))
    this.#constant = constant ? this.encode(kNoValues) : undefined
  }

  /** Request `values.seq` as bytes; throws for a URL or header that cannot be sent. */
  encode(values: RequestValues): EncodedRequest {
    if (this.#constant) {
      return this.#constant
    }
    const start =
      this.#start ?? requestStart(this.#method, render(this.#url, values), this.#userHost)
    let head = start.head + this.#staticHeaders
    for (const [name, value] of this.#dynamicHeaders) {
      const renderedName = render(name, values)
      if (!kOwnHeaders.has(renderedName.toLowerCase())) {
        head += headerLine(renderedName, render(value, values))
      }
    }
    const body = this.#body ? render(this.#body, values) : undefined
    if (body === undefined) {
      head += kBodyMethods.has(this.#method) ? 'Content-Length: 0\r\n\r\n' : '\r\n'
      return { origin: start.origin, bytes: Buffer.from(head, 'latin1') }
    }
    const bodyLength = Buffer.byteLength(body)
    head += `Content-Length: ${bodyLength}\r\n\r\n`
    const bytes = Buffer.allocUnsafe(head.length + bodyLength)
    bytes.write(head, 0, 'latin1')
    bytes.write(body, head.length, 'utf8')
    return { origin: start.origin, bytes }
  }
}

const kNoValues: RequestValues = { seq: 0, uuid: '', now: '' }
