import { z } from 'zod'
import { comparator } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'
import type { Example } from '../../experiment/example.js'

export const sqlProbeSchema = probeSchema(
  'sql',
  {
    driver: z
      .enum(['sqlite', 'postgres', 'mysql'], {
        error: "must be one of 'sqlite', 'postgres', 'mysql'",
      })
      .describe('The database kind (mysql also serves MariaDB).'),
    database: z
      .string({ error: 'must be a file path or connection URL' })
      .min(1)
      .meta({
        description: 'A file path for sqlite; a connection URL for postgres and mysql.',
        examples: ['postgres://app@127.0.0.1:{{services.db.ports.pg}}/app'],
      }),
    query: z
      .string({ error: 'must be an SQL query' })
      .min(1)
      .meta({
        description: 'A query; the first column of the first row is compared.',
        examples: ['SELECT count(*) FROM orders'],
      }),
    comparator: comparator().describe('Compared against the scalar the query returns.'),
  },
  'a scalar (first column of the first row) from SQLite, PostgreSQL or MySQL/MariaDB.'
)
export type SqlProbeParams = z.output<typeof sqlProbeSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const sqlProbeExample: Example<z.input<typeof sqlProbeSchema>> = {
  value: {
    name: 'orders-stored',
    type: 'sql',
    mode: 'EOT',
    driver: 'sqlite',
    database: 'orders.db',
    query: 'SELECT count(*) FROM orders',
    comparator: { type: 'int', criteria: '>', value: 0 },
  },
}
