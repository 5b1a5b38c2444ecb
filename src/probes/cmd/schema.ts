import { z } from 'zod'
import { comparator } from '../../experiment/schema-parts.js'
import { probeSchema } from '../common-schema.js'
import type { Example } from '../../experiment/example.js'

export const cmdProbeSchema = probeSchema(
  'cmd',
  {
    command: z
      .string({ error: 'must be a shell command' })
      .min(1)
      .meta({
        description:
          'Run with /bin/sh -c; templates such as `{{services.db.ports.pg}}` are filled.',
        examples: ['test -s /var/lib/app/state.json'],
      }),
    exitCode: z.number().int().optional().meta({
      description: 'The exit code that passes (checked with the comparator).',
      default: 0,
    }),
    comparator: comparator()
      .optional()
      .describe('Compared against stdout with surrounding whitespace trimmed.'),
    env: z
      .record(z.string(), z.string())
      .optional()
      .describe("Environment variables added to the command's environment."),
  },
  'a shell command (`/bin/sh -c`); passes on the expected exit code and stdout comparator.'
)
export type CmdProbeParams = z.output<typeof cmdProbeSchema>

/** For docs/catalogue.md (validated there through the loader). */
export const cmdProbeExample: Example<z.input<typeof cmdProbeSchema>> = {
  value: {
    name: 'spool-drained',
    type: 'cmd',
    mode: 'EOT',
    command: 'ls /var/spool/app | wc -l',
    comparator: { type: 'int', criteria: '==', value: 0 },
    runProperties: { attempts: 10, interval: '1s' },
  },
}
