import { z } from 'zod'
import { comparator } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'

/** A scalar (first column of the first row) from SQLite, PostgreSQL or MySQL/MariaDB. */
export const sqlProbeSchema = probeSchema('sql', {
  driver: z.enum(['sqlite', 'postgres', 'mysql'], {
    error: "must be one of 'sqlite', 'postgres', 'mysql'",
  }),
  /** A file path for sqlite; a connection URL for postgres and mysql. */
  database: z.string({ error: 'must be a file path or connection URL' }).min(1),
  query: z.string({ error: 'must be an SQL query' }).min(1),
  comparator: comparator(),
})
export type SqlProbeParams = z.output<typeof sqlProbeSchema>
