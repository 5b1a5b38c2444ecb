import { test } from 'node:test'
import assert from 'node:assert/strict'
import { z } from 'zod'
import { fieldRows, fieldTable } from '../../scripts/catalogue/field-table.js'
import { duration } from '../../src/experiment/schema-parts.js'

const schema = z.strictObject({
  type: z.literal('demo').describe('demo: a demo'),
  wait: duration().optional().meta({ description: 'How long.', default: '1s' }),
  action: z
    .union([
      z.strictObject({ status: z.number().int().describe('A status.') }),
      z.strictObject({ reset: z.literal(true).describe('Drop it.') }),
    ])
    .describe('What happens.'),
  limits: z
    .record(
      z.string(),
      z.array(z.strictObject({ max: z.number().meta({ description: 'At most.', examples: [3] }) }))
    )
    .optional()
    .describe('Limits by name.'),
})

test('fields come out with type, required, default and description, nested ones by path', () => {
  assert.deepEqual(
    fieldRows(schema).map((r) => [r.field, r.type, r.required, r.default, r.description]),
    [
      ['type', '`demo`', true, '', 'Always `demo`.'],
      ['wait', 'duration', false, '`1s`', 'How long.'],
      ['action', 'object', true, '', 'What happens.'],
      // One form of a union: not required in every form.
      ['action.status', 'integer', false, '', 'A status.'],
      ['action.reset', '`true`', false, '', 'Drop it.'],
      ['limits', 'map of (list of objects)', false, '', 'Limits by name.'],
      ['limits.*[].max', 'number', true, '', 'At most. Example: `3`.'],
    ]
  )
})

test('stop keeps a field and drops what is inside it; links replace its type; pipes are escaped', () => {
  const rows = fieldRows(schema, { stop: ['action'], links: { action: '[action](#a)' } })
  assert.deepEqual(
    rows.filter((r) => r.field.startsWith('action')).map((r) => [r.field, r.type]),
    [['action', '[action](#a)']]
  )
  const table = fieldTable([
    { field: 'x', type: 'a | b', required: false, default: '', description: 'p|q' },
  ])
  assert.equal(table.split('\n')[2], '| `x` | a \\| b |  |  | p\\|q |')
})
