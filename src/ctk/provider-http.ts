/**
 * The CTK `http` provider: one request (method, headers, arguments as query string for GET,
 * else a JSON body when Content-Type is exactly application/json, else form-encoded or raw),
 * returning `{status, headers, body}` with the body parsed only for exactly
 * `application/json`. 4xx/5xx are outputs, not failures; a refused connection and a timeout
 * (per connect and per read, as requests does) are. `expected_status` is ignored as chaoslib
 * ignores it. TLS verification is on unless `verify_tls: false`.
 * @module
 */
import http from 'node:http'
import https from 'node:https'
import { ActivityFailed, type CtkObject } from './model.js'
import { pythonStr } from './substitute.js'

export interface HttpOutput {
  status: number
  headers: Record<string, string>
  body: unknown
}

export interface HttpCall {
  url: string
  method: string
  headers: Record<string, unknown> | undefined
  arguments: unknown
  /** Seconds, or [connect, read]. */
  timeout: unknown
  verifyTls: boolean
}

export function httpCallOf(provider: CtkObject, sub: (v: unknown) => unknown): HttpCall {
  const headers = sub(provider['headers'])
  return {
    url: String(sub(provider['url'])),
    method: String(provider['method'] ?? 'GET').toUpperCase(),
    headers:
      headers && typeof headers === 'object' ? (headers as Record<string, unknown>) : undefined,
    arguments: provider['arguments'],
    timeout: sub(provider['timeout']),
    verifyTls: provider['verify_tls'] !== false,
  }
}

export function runHttp(call: HttpCall, signal?: AbortSignal): Promise<HttpOutput> {
  let url: URL
  try {
    url = new URL(call.url)
  } catch {
    return Promise.reject(new ActivityFailed(`invalid URL '${call.url}'`))
  }
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(call.headers ?? {})) {
    headers[k] = pythonStr(v)
  }
  let body: string | undefined
  const args = call.arguments
  if (call.method === 'GET') {
    if (args && typeof args === 'object') {
      for (const [k, v] of Object.entries(args)) {
        for (const item of Array.isArray(v) ? v : [v]) {
          if (item !== null && item !== undefined) {
            url.searchParams.append(k, pythonStr(item))
          }
        }
      }
    }
  } else if (args !== undefined && args !== null) {
    if (headers['Content-Type'] === 'application/json') {
      body = pythonJson(args)
    } else if (typeof args === 'string') {
      body = args
    } else if (typeof args === 'object') {
      // requests' form encoding: a list value repeats its key, None values are dropped.
      const form = new URLSearchParams()
      for (const [k, v] of Object.entries(args)) {
        for (const item of Array.isArray(v) ? v : [v]) {
          if (item !== null && item !== undefined) {
            form.append(k, pythonStr(item))
          }
        }
      }
      body = form.toString()
      headers['Content-Type'] ??= 'application/x-www-form-urlencoded'
    }
  }
  const [connectS, readS] = Array.isArray(call.timeout)
    ? [Number(call.timeout[0]), Number(call.timeout[1])]
    : typeof call.timeout === 'number'
      ? [call.timeout, call.timeout]
      : [undefined, undefined]
  const lib = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (error: Error): void => {
      if (!settled) {
        settled = true
        clearTimeout(connectTimer)
        reject(error)
      }
    }
    const req = lib.request(url, {
      method: call.method,
      headers: { 'User-Agent': 'ordeal (chaostoolkit import)', ...headers },
      // A fresh connection per activity, as chaoslib's one requests.Session per call.
      agent: false,
      ...(url.protocol === 'https:' ? { rejectUnauthorized: call.verifyTls } : {}),
      ...(signal ? { signal } : {}),
    })
    const connectTimer =
      connectS === undefined
        ? undefined
        : setTimeout(() => {
            fail(new ActivityFailed('activity took too long to complete'))
            req.destroy()
          }, connectS * 1000)
    req.on('socket', (socket) => {
      if (socket.connecting) {
        socket.once('connect', () => clearTimeout(connectTimer))
      } else {
        clearTimeout(connectTimer)
      }
      if (readS !== undefined) {
        // requests' read timeout: the longest wait for the next byte once connected.
        req.setTimeout(readS * 1000, () => {
          fail(new ActivityFailed('activity took too long to complete'))
          req.destroy()
        })
      }
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      fail(new ActivityFailed(`failed to connect to ${call.url}: ${error.code ?? error.message}`))
    })
    req.on('response', (res) => {
      clearTimeout(connectTimer)
      const chunks: Buffer[] = []
      res.on('data', (b: Buffer) => chunks.push(b))
      res.on('error', (error) =>
        fail(new ActivityFailed(`failed to read ${call.url}: ${error.message}`))
      )
      res.on('end', () => {
        if (settled) {
          return
        }
        settled = true
        const text = Buffer.concat(chunks).toString('utf8')
        const responseHeaders: Record<string, string> = {}
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          responseHeaders[res.rawHeaders[i]!] = res.rawHeaders[i + 1]!
        }
        let parsed: unknown = text
        if (res.headers['content-type'] === 'application/json') {
          try {
            parsed = JSON.parse(text) as unknown
          } catch {
            reject(new ActivityFailed(`${call.url} sent invalid JSON`))
            return
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: parsed })
      })
    })
    req.end(body)
  })
}

/** `json.dumps(value)` as requests sends a JSON body: `, ` and `: ` separators, ASCII only. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(pythonJson).join(', ')}]`
  }
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`)
      .join(', ')}}`
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
    )
  }
  return JSON.stringify(value ?? null)
}
