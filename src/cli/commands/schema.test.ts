import { test } from 'node:test'
import assert from 'node:assert/strict'
import { experimentJsonSchema } from './schema.js'

type Node = Record<string, unknown>

/** JSON paths of every property in `schema` whose schema has no description. */
function undescribed(schema: unknown, at = '#'): string[] {
  if (schema === null || typeof schema !== 'object') {
    return []
  }
  if (Array.isArray(schema)) {
    return schema.flatMap((item, i) => undescribed(item, `${at}/${i}`))
  }
  const node = schema as Node
  const missing: string[] = []
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && value && typeof value === 'object') {
      for (const [name, property] of Object.entries(value as Record<string, Node>)) {
        const description = property['description']
        if (typeof description !== 'string' || description.trim() === '') {
          missing.push(`${at}/properties/${name}`)
        }
      }
    }
    // Descend into every subschema: properties, items, anyOf/oneOf, $defs, ...; `examples` and
    // `default` hold data, not schemas.
    if (key !== 'examples' && key !== 'default' && key !== 'const' && key !== 'enum') {
      missing.push(...undescribed(value, `${at}/${key}`))
    }
  }
  return missing
}

test('every property of the experiment JSON Schema has a description (editors show it on hover)', () => {
  const missing = undescribed(experimentJsonSchema())
  assert.deepEqual(
    missing,
    [],
    `add .describe('...') or .meta({ description }) to these fields in the zod schemas:\n${missing.join('\n')}`
  )
})

test('the walk finds a property without a description', () => {
  const schema = {
    properties: { a: { description: 'A', type: 'object', properties: { b: { type: 'string' } } } },
    anyOf: [{ properties: { c: { description: '' } } }],
  }
  assert.deepEqual(undescribed(schema), ['#/properties/a/properties/b', '#/anyOf/0/properties/c'])
})
