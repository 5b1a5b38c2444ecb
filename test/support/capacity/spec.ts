/**
 * A resolved capacity spec against a local test server (GET /, 2 s timeout, one generator
 * thread, `http_req_failed: rate<0.01`), for the capacity tests and bench; `over` sets the rest.
 * @module
 */
import type { CapacitySpec } from '../../../src/capacity/spec.js'

export function capacitySpec(port: number, over: Partial<CapacitySpec> = {}): CapacitySpec {
  return {
    load: {
      url: `http://127.0.0.1:${port}/`,
      method: 'GET',
      headers: {},
      startRate: 0,
      durationMs: 0,
      maxInFlight: 1000,
      timeoutMs: 2000,
      expectedStatus: '200-399',
      thresholds: [],
      workers: 1,
    },
    thresholds: [
      {
        metric: 'http_req_failed',
        expression: 'rate<0.01',
        abortOnFail: false,
        delayAbortEvalMs: 0,
      },
    ],
    start: 50,
    max: 5000,
    growth: 2,
    precision: 0.1,
    trialMs: 2000,
    warmupMs: 1000,
    repeat: 1,
    faultMode: 'held',
    ...over,
  }
}
