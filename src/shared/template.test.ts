import { test } from 'node:test'
import assert from 'node:assert/strict'
import { renderTemplate, templateVariables } from './template.js'

const vars = {
  replica: 1,
  ports: { http: 8081 },
  services: { api: { replicas: [{ ports: { http: 9000 } }, { ports: { http: 9001 } }] } },
}

test('renders nested paths and list indexes', () => {
  assert.equal(renderTemplate('127.0.0.1:{{ports.http}}/r{{ replica }}', vars), '127.0.0.1:8081/r1')
  assert.equal(renderTemplate('{{services.api.replicas[1].ports.http}}', vars), '9001')
})

test('names an unknown variable', () => {
  assert.throws(
    () => renderTemplate('{{ports.grpc}}', vars),
    /unknown template variable \{\{ports.grpc\}\}/
  )
  assert.throws(() => renderTemplate('{{ports}}', vars), /unknown template variable/)
})

test('lists variables', () => {
  assert.deepEqual(templateVariables('a {{x}} b {{ y.z }}'), ['x', 'y.z'])
})
