import { z } from 'zod'
import { experimentSchema } from '../../experiment/schema.js'

/** The manifest's JSON Schema, for editors (e.g. `# yaml-language-server: $schema=...`). */
export function experimentJsonSchema(): unknown {
  return {
    ...(z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as object),
    $id: 'https://ordeal.dev/schema/experiment-v1.json',
    title: 'ordeal Experiment',
  }
}

export function schemaCommand(): number {
  process.stdout.write(`${JSON.stringify(experimentJsonSchema(), null, 2)}\n`)
  return 0
}
