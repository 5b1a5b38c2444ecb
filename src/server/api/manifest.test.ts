import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadManifest } from './manifest.js'
import { ValidationError } from './validation.js'

const manifest = (url: string) => `apiVersion: ordeal.dev/v1
kind: Experiment
metadata: { name: m }
spec:
  hypothesis: h
  system:
    proxies: [{ name: front, upstream: '127.0.0.1:8000' }]
  probes: [{ name: p, type: http, mode: SOT, url: '${url}' }]
  steps: [{ wait: 10ms }]
`

test('the Chaos Center resolves templates like ordeal validate, and offers ORDEAL_HOME to all', () => {
  assert.equal(loadManifest(manifest('http://127.0.0.1:{{proxies.front.port}}/')).name, 'm')
  assert.throws(
    () => loadManifest(manifest('http://127.0.0.1:{{proxies.frnt.port}}/')),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError)
      assert.deepEqual(error.issues, [
        {
          path: 'spec.probes[0].url',
          line: 8,
          message:
            "{{proxies.frnt.port}}: no proxy named 'frnt' in spec.system.proxies (did you mean 'front'?)",
        },
      ])
      return true
    }
  )
})
