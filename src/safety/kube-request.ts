/**
 * One raw request to a Kubernetes API server by path, authenticated the way the kubeconfig
 * says (client certificates, a bearer token, the in-cluster token file). Ledger undos are
 * stored as paths (`/apis/apps/v1/namespaces/shop/deployments/orders/scale`), so replaying
 * one needs no typed API class; connect.ts uses it for `/version` too.
 * @module
 */
import http from 'node:http'
import https from 'node:https'
import type { KubeConfig } from '@kubernetes/client-node'

/** A list of thousands of pods fits; anything bigger is a mistake we will not buffer. */
const MAX_BODY_BYTES = 64 * 1024 * 1024

export interface KubeRequest {
  method: 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT'
  /** From the API root: `/api/v1/namespaces/shop/pods/x`. */
  path: string
  body?: unknown
  contentType?: string
  timeoutMs?: number
  signal?: AbortSignal
}

export interface KubeResponse {
  status: number
  /** The parsed JSON body (a Status for most errors), or the text when not JSON. */
  body: unknown
}

/** A non-2xx answer: `status` and the API's Status `message`, on one line. */
export class KubeApiError extends Error {
  readonly code = 'ORDEAL_KUBE_API'
  constructor(
    readonly status: number,
    message: string,
    readonly body: unknown
  ) {
    super(message)
    this.name = 'KubeApiError'
  }
}

/** Sends `request`; resolves with any HTTP answer (the caller decides what a 404 means). */
export async function kubeRequest(kc: KubeConfig, request: KubeRequest): Promise<KubeResponse> {
  const cluster = kc.getCurrentCluster()
  if (cluster === null) {
    throw new Error('the kubeconfig has no current cluster')
  }
  const url = apiUrl(cluster.server, request.path)
  const options: https.RequestOptions = {
    method: request.method,
    headers: { Accept: 'application/json' },
    timeout: request.timeoutMs ?? 30_000,
  }
  await kc.applyToHTTPSOptions(options)
  const payload = request.body === undefined ? undefined : JSON.stringify(request.body)
  if (payload !== undefined) {
    options.headers = {
      ...options.headers,
      'Content-Type': request.contentType ?? 'application/json',
      'Content-Length': Buffer.byteLength(payload),
    }
  }
  const transport = url.protocol === 'http:' ? http : https
  return new Promise<KubeResponse>((resolve, reject) => {
    const req = transport.request(url, { ...options, signal: request.signal }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY_BYTES) {
          res.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = text
        try {
          body = text === '' ? undefined : JSON.parse(text)
        } catch {
          // not JSON: keep the text (a proxy's error page)
        }
        resolve({ status: res.statusCode ?? 0, body })
      })
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeout} ms`)))
    req.on('error', reject)
    req.end(payload)
  }).finally(() => {
    // A fresh agent per request (client-node builds one per call too): free its sockets.
    ;(options.agent as http.Agent | undefined)?.destroy()
  })
}

/**
 * `path` under the server's URL, keeping any path prefix of it: a cluster behind a proxy
 * (`https://rancher.example/k8s/clusters/c-1`) serves `/api/v1` below that prefix.
 */
export function apiUrl(server: string, path: string): URL {
  return new URL(`${server.replace(/\/+$/, '')}${path}`)
}

/** {@link kubeRequest}, throwing {@link KubeApiError} on any non-2xx answer. */
export async function kubeRequestOk(kc: KubeConfig, request: KubeRequest): Promise<unknown> {
  const response = await kubeRequest(kc, request)
  if (response.status < 200 || response.status > 299) {
    throw new KubeApiError(response.status, statusMessage(response), response.body)
  }
  return response.body
}

/**
 * The API's Status `message` on one line, or `HTTP 502: <excerpt>` of what came back (a proxy's
 * error page), or `HTTP 503` when the answer has nothing.
 */
export function statusMessage(response: KubeResponse): string {
  const message = messageOf(response.body)
  if (message !== undefined) {
    return message
  }
  const text = typeof response.body === 'string' ? oneLine(response.body) : ''
  return `HTTP ${response.status}${text ? `: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}` : ''}`
}

/**
 * One line for a user, from whatever a Kubernetes call threw: the Status `message` of a
 * client-node ApiException or a KubeApiError (`pods "x" is forbidden: ...`), or the network
 * error (`connect ECONNREFUSED 127.0.0.1:6443`). Never the dumped object.
 */
export function kubeErrorMessage(error: unknown): string {
  if (error instanceof KubeApiError) {
    return error.message
  }
  const e = error as { code?: unknown; body?: unknown; message?: unknown; cause?: unknown }
  if (typeof e?.code === 'number') {
    // client-node's ApiException: its own message is a multi-line dump; the body is the Status.
    return statusMessage({ status: e.code, body: e.body })
  }
  const statusCode = (error as { statusCode?: unknown } | undefined)?.statusCode
  if (typeof statusCode === 'number') {
    // client-node's Watch: a non-200 answer, with only its status text.
    return `HTTP ${statusCode} ${typeof e?.message === 'string' ? e.message : ''}`.trim()
  }
  const cause = e?.cause as { message?: unknown } | undefined
  const message = typeof e?.message === 'string' ? e.message : String(error)
  if (typeof cause?.message === 'string' && !message.includes(cause.message)) {
    return firstLine(`${message}: ${cause.message}`)
  }
  // node-fetch's FetchError: "request to https://… failed, reason: connect ECONNREFUSED …"
  const reason = /reason: (.*)$/.exec(firstLine(message))
  return reason ? reason[1]! : firstLine(message)
}

/** The HTTP status of what a Kubernetes call threw, when it was an answer. */
export function kubeErrorStatus(error: unknown): number | undefined {
  if (error instanceof KubeApiError) {
    return error.status
  }
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'number' ? code : undefined
}

function messageOf(body: unknown): string | undefined {
  let value = body
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body)
    } catch {
      return undefined // not a Status: statusMessage shows an excerpt
    }
  }
  const message = (value as { message?: unknown } | undefined)?.message
  return typeof message === 'string' && oneLine(message) !== '' ? oneLine(message) : undefined
}

/** Whitespace and line breaks collapsed: a Status message may span lines, a report line not. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim()
}
