/**
 * Request and response schemas of the git-source routes (fastify serialises answers through
 * them: a field missing here is dropped, which is also how no credential can leak by accident).
 * @module
 */
import { z } from 'zod'

export const newGitSourceBody = z
  .object({
    name: z.string().describe('The source name (as an experiment name: lowercase, digits, dashes)'),
    url: z
      .string()
      .describe(
        'Repository address: https://, ssh://, git@host:path, git://, or a local path; credentials in it are moved out and never shown'
      ),
    branch: z.string().optional().describe('Branch to follow (default main)'),
    folder: z.string().optional().describe('Folder of the manifests in the repository (default .)'),
    token: z
      .string()
      .min(1)
      .max(4096)
      .optional()
      .describe('HTTPS token: stored, never shown again'),
    sshKey: z
      .string()
      .min(1)
      .max(16384)
      .optional()
      .describe('SSH deploy key, private (PEM/OpenSSH): stored, never shown again'),
    pollSeconds: z
      .number()
      .int()
      .optional()
      .describe('Seconds between polls (default 120, at least 10)'),
  })
  .strict()

const manifestErrorSchema = z.object({
  path: z.string(),
  line: z.number().int().optional(),
  message: z.string(),
})

export const gitSyncInfoSchema = z.object({
  at: z.string(),
  ok: z.boolean(),
  error: z.string().optional(),
  commit: z.string().optional(),
  created: z.number().int(),
  updated: z.number().int(),
  deleted: z.number().int(),
  unchanged: z.number().int(),
  invalid: z.array(manifestErrorSchema),
  durationMs: z.number(),
})

export const gitSourceInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  branch: z.string(),
  folder: z.string(),
  auth: z.enum(['none', 'token', 'ssh-key']),
  pollSeconds: z.number().int(),
  createdAt: z.string(),
  createdByName: z.string(),
  experiments: z.array(z.string()),
  lastSync: gitSyncInfoSchema.optional(),
})

export const gitSourceDetailSchema = gitSourceInfoSchema.extend({
  invalid: z.array(manifestErrorSchema),
})

export const createdGitSourceSchema = gitSourceInfoSchema.extend({
  webhookUrl: z.string(),
  webhookSecret: z.string(),
})
