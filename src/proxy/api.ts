/**
 * The HTTP control API (Toxiproxy v2, spec section 5) on node:http: no framework, because the
 * reference's exact bytes (404 text, 405 without body, error JSON + newline) are easiest to
 * reproduce by hand and the API is eight routes.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PopulateError, type ProxyCollection } from './collection.js'
import { ApiError } from './errors.js'
import { readText, requestId, sendEmpty, sendError, sendJson, sendPlain } from './http-util.js'
import type { Proxy, ProxyLog } from './proxy.js'
import { toxicJson } from './toxic-spec.js'
import { decodeOnto, parseNewToxic, parseToxicUpdate, proxyFields, readBody } from './requests.js'
import type { ProxyInput } from './requests.js'
import { matchRoute, type Route } from './routes.js'

export const kVersion = '2.12.0'

export function apiHandler(proxies: ProxyCollection, log: ProxyLog) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET'
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const match = matchRoute(method, path)
    const body = await readText(req).catch(() => '')
    if (match.kind === 'not-found') {
      log(`api: ${method} ${path} 404`)
      return sendPlain(res, 404, '404 page not found\n')
    }
    if (match.kind === 'method-not-allowed') {
      log(`api: ${method} ${path} 405`)
      return sendEmpty(res, 405)
    }
    res.setHeader('X-Toxiproxy-Request-Id', requestId())
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      log(`api: ${method} ${path} 403 (browser user agent)`)
      return sendPlain(res, 403, 'User agent not allowed\n')
    }
    try {
      await handle(proxies, match.route, match.params, method, body, res)
    } catch (error) {
      if (
        error instanceof PopulateError ||
        (match.route === 'populate' && error instanceof ApiError)
      ) {
        const done = error instanceof PopulateError ? error.proxies : null
        const message = { error: error.message, status: error.status }
        sendJson(res, error.status, { ...message, proxies: done?.map((p) => p.json()) ?? null })
      } else if (error instanceof ApiError) {
        sendError(res, error.status, error.message)
      } else {
        sendError(res, 500, error instanceof Error ? error.message : String(error))
      }
    }
    log(`api: ${method} ${path} ${res.statusCode}`)
  }
}

async function handle(
  proxies: ProxyCollection,
  route: Route,
  [name = '', toxicName = '']: string[],
  method: string,
  body: string,
  res: ServerResponse
): Promise<void> {
  switch (route) {
    case 'version': {
      const text = `{"version": "${kVersion}"}\n`
      res.writeHead(200, {
        'Content-Type': 'application/json;charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      })
      return void res.end(text)
    }
    case 'reset':
      await proxies.reset()
      return sendEmpty(res, 204)
    case 'populate': {
      const created = await proxies.populate(readBody(body))
      return sendJson(res, 201, { proxies: created.map((p) => p.json()) })
    }
    case 'proxies': {
      if (method === 'GET') {
        return sendJson(res, 200, Object.fromEntries(proxies.list().map((p) => [p.name, p.json()])))
      }
      const input = { name: '', listen: '', upstream: '', enabled: true }
      decodeOnto(readBody(body), proxyFields, input, 'proxy.Proxy')
      return sendJson(res, 201, (await proxies.create(input)).json())
    }
    case 'proxy': {
      const proxy = proxies.get(name)
      if (method === 'GET') {
        return sendJson(res, 200, proxy.json())
      }
      if (method === 'DELETE') {
        proxies.remove(proxy)
        return sendEmpty(res, 204)
      }
      const { listen, upstream, enabled } = proxy
      const input: ProxyInput = { name: proxy.name, listen, upstream, enabled }
      decodeOnto(
        readBody(body),
        proxyFields,
        input as unknown as Record<string, unknown>,
        'proxy.Proxy'
      )
      await proxies.update(proxy, { ...input, name: proxy.name })
      return sendJson(res, 200, proxy.json())
    }
    case 'toxics': {
      const proxy = proxies.get(name)
      if (method === 'GET') {
        return sendJson(res, 200, proxy.allToxics().map(toxicJson))
      }
      const toxic = parseNewToxic(body, (n) => proxy.allToxics().some((t) => t.name === n))
      proxy.addToxic(toxic)
      return sendJson(res, 200, toxicJsonOf(proxy, toxic.name))
    }
    case 'toxic': {
      const proxy = proxies.get(name)
      const toxic = proxy.findToxic(toxicName)
      if (method === 'GET') {
        return sendJson(res, 200, toxicJsonOf(proxy, toxicName))
      }
      if (method === 'DELETE') {
        proxy.removeToxic(toxic)
        return sendEmpty(res, 204)
      }
      const next = parseToxicUpdate(body, toxic)
      toxic.toxicity = next.toxicity
      toxic.attributes = next.attributes
      proxy.toxicUpdated(toxic)
      return sendJson(res, 200, toxicJsonOf(proxy, toxicName))
    }
  }
}

const toxicJsonOf = (proxy: Proxy, name: string) => toxicJson(proxy.findToxic(name))
