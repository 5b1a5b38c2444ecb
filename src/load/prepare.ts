/**
 * Turns a LoadSpec into what a generator thread runs: templates compiled, thresholds parsed,
 * everything checked before the first request so a bad load fails without sending anything.
 * A PreparedLoad is plain data: worker threads receive it as it is.
 * @module
 */
import { randomUUID } from 'node:crypto'
import type { LoadSpec } from './contract.js'
import { parseExpectedStatus } from './expected-status.js'
import type { ScheduleSpec } from './schedule.js'
import { compileTemplate, render, uses } from './template.js'
import type { CompiledTemplate } from './template.js'
import { parseThresholds } from './thresholds.js'
import { RequestEncoder } from './http1/request-bytes.js'
import type { ParsedThreshold } from './thresholds.js'

export interface PreparedLoad {
  url: CompiledTemplate
  method: LoadSpec['method']
  headers: [CompiledTemplate, CompiledTemplate][]
  body?: CompiledTemplate
  id?: CompiledTemplate
  capture?: string
  expectedStatus: string
  timeoutMs: number
  maxInFlight: number
  connections: number
  /** Jepsen `f`: `POST /orders` (the path as written, placeholders included). */
  f: string
  schedule: ScheduleSpec
  needsUuid: boolean
  needsNow: boolean
  thresholds: ParsedThreshold[]
}

/** A load that cannot run as specified (bad template, URL, status list or threshold). */
export class LoadSpecError extends Error {
  readonly code = 'ORDEAL_LOAD_SPEC'
}

export function prepareLoad(spec: LoadSpec, vars: Record<string, unknown> = {}): PreparedLoad {
  const compile = (what: string, text: string) => {
    try {
      return compileTemplate(text, vars)
    } catch (err) {
      throw new LoadSpecError(`${what}: ${(err as Error).message}`)
    }
  }
  const url = compile('url', spec.url)
  const headers = Object.entries(spec.headers).map(
    ([k, v]) =>
      [compile(`header ${k}`, k), compile(`header ${k}`, v)] as [CompiledTemplate, CompiledTemplate]
  )
  const body = spec.body === undefined ? undefined : compile('body', spec.body)
  const id = spec.id === undefined ? undefined : compile('id', spec.id)
  const templates = [url, ...headers.flat(), ...(body ? [body] : []), ...(id ? [id] : [])]

  const sample = render(url, { seq: 0, uuid: randomUUID(), now: new Date().toISOString() })
  let parsedUrl: URL
  try {
    parsedUrl = new URL(sample)
  } catch {
    throw new LoadSpecError(`url '${sample}' is not a valid URL`)
  }
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') {
    throw new LoadSpecError(`url '${sample}' must start with http:// or https://`)
  }
  const status = parseExpectedStatus(spec.expectedStatus)
  if (typeof status === 'string') {
    throw new LoadSpecError(status)
  }
  const thresholds = parseThresholds(spec.thresholds)
  if (!thresholds.ok) {
    throw new LoadSpecError(thresholds.message)
  }
  checkNumbers(spec)
  try {
    // Static headers and a static URL are encoded once, here: a bad one fails before sending.
    new RequestEncoder({ url, method: spec.method, headers, ...(body ? { body } : {}) })
  } catch (err) {
    throw new LoadSpecError((err as Error).message)
  }
  return {
    url,
    method: spec.method,
    headers,
    ...(body ? { body } : {}),
    ...(id ? { id } : {}),
    ...(spec.capture ? { capture: spec.capture } : {}),
    expectedStatus: spec.expectedStatus,
    timeoutMs: spec.timeoutMs,
    maxInFlight: spec.concurrency ?? spec.maxInFlight,
    connections:
      spec.concurrency ?? Math.min(spec.connections ?? spec.maxInFlight, spec.maxInFlight),
    f: `${spec.method} ${pathOf(spec.url)}`,
    schedule: {
      rate: spec.rate,
      startRate: spec.startRate,
      stages: spec.stages,
      durationMs: spec.durationMs,
      ...(spec.concurrency !== undefined ? { concurrency: spec.concurrency } : {}),
    },
    needsUuid: uses(templates, 'uuid'),
    needsNow: uses(templates, 'now'),
    thresholds: thresholds.thresholds,
  }
}

function checkNumbers(spec: LoadSpec): void {
  const positiveInt = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n >= 1)
  const models = [spec.rate, spec.stages, spec.concurrency].filter((m) => m !== undefined)
  if (models.length !== 1) {
    throw new LoadSpecError("a load needs exactly one of 'rate', 'stages' or 'concurrency'")
  }
  if (!positiveInt(spec.concurrency)) {
    throw new LoadSpecError(`concurrency must be a whole number from 1, got ${spec.concurrency}`)
  }
  if (spec.rate !== undefined && !(spec.rate > 0 && Number.isFinite(spec.rate))) {
    throw new LoadSpecError(`rate must be a number above 0, got ${spec.rate}`)
  }
  if (!(spec.durationMs > 0)) {
    throw new LoadSpecError(`duration must be above 0, got ${spec.durationMs}ms`)
  }
  if (!positiveInt(spec.maxInFlight) || !positiveInt(spec.connections)) {
    throw new LoadSpecError('maxInFlight and connections must be whole numbers from 1')
  }
  if (!(spec.timeoutMs > 0)) {
    throw new LoadSpecError(`timeout must be above 0, got ${spec.timeoutMs}ms`)
  }
  if (spec.workers !== 'auto' && !(Number.isInteger(spec.workers) && spec.workers >= 1)) {
    throw new LoadSpecError(`workers must be 'auto' or a whole number from 1, got ${spec.workers}`)
  }
}

/** The path part of a URL template, without the query: `http://{{host}}/orders?x=1` → `/orders`. */
export function pathOf(url: string): string {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/, '')
  return path === '' ? '/' : path
}
