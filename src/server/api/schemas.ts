/**
 * Zod schemas of the Chaos Center's requests (validated at run time by the app, 400 naming the
 * field) and of its responses (documentation only, in the OpenAPI document). Request bodies are
 * strict: an unknown field is a 400, so a typo never silently does nothing.
 * @module
 */
import { z } from 'zod'
import { gitOriginSchema } from './continuous-schemas.js'
import { ROLES } from '../../shared/api.js'
import { displayNameSchema, idSchema } from './names.js'

/**
 * Longest YAML a request may carry (characters); the manifest's own bound, in bytes and
 * answered 413, is MAX_MANIFEST_BYTES (api/manifest.ts).
 */
const MAX_YAML = 1024 * 1024

export const roleSchema = z.enum(ROLES as ['viewer', 'editor', 'owner'])
/** A token's role: a user's roles, or `agent` (the token is then an agent's identity). */
export const tokenRoleSchema = z.enum(['viewer', 'editor', 'owner', 'agent'])

export const idParams = z.strictObject({ id: idSchema })

export const versionParams = z.strictObject({
  id: idSchema,
  version: z.coerce.number().int().positive(),
})

export const versionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  /** Only versions older than this one: the `next` of the previous page. */
  before: z.coerce.number().int().positive().optional(),
})

const labelFilter = z
  .string()
  .max(500)
  .regex(/^[^=]+=/, 'must be key=value')

export const listExperimentsQuery = z.strictObject({
  /** Case-insensitive substring of the name or the hypothesis. */
  q: z.string().max(500).optional(),
  /** `key=value`, repeatable: every one must match the current version's labels. */
  label: z.union([labelFilter, z.array(labelFilter).max(20)]).optional(),
})

export const loginBody = z.strictObject({ code: z.string().min(1).max(200) })

const userName = displayNameSchema.regex(/^[^/]*$/, 'must not contain "/"')

export const createUserBody = z.strictObject({ name: userName, role: roleSchema })
export const updateUserBody = z.strictObject({ role: roleSchema })

export const createTokenBody = z.strictObject({
  name: displayNameSchema,
  /**
   * Defaults to the caller's role; never above it. `agent` (owners only): the name is then the
   * agent's name.
   */
  role: tokenRoleSchema.optional(),
  /** No expiry when absent. */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
})

export const experimentBody = z.strictObject({ yaml: z.string().min(1).max(MAX_YAML) })

export const updateExperimentBody = z.strictObject({
  yaml: z.string().min(1).max(MAX_YAML),
  /** Optimistic concurrency: 409 when the experiment is no longer at this version. */
  expectedVersion: z.number().int().positive().optional(),
})

export const validateBody = z.strictObject({ yaml: z.string().max(MAX_YAML) })

// Responses (documentation only).

export const validationIssueSchema = z.object({
  path: z.string(),
  message: z.string(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
})

export const apiErrorSchema = z.object({
  error: z.enum([
    'validation',
    'unauthorized',
    'forbidden',
    'not_found',
    'conflict',
    'too_large',
    'rate_limited',
    'misdirected',
    'unavailable',
    'internal',
  ]),
  message: z.string(),
  issues: z.array(validationIssueSchema).optional(),
})

export const userSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: z.string(),
})

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  userId: z.string(),
  role: tokenRoleSchema,
  createdAt: z.string(),
  lastUsedAt: z.string().optional(),
  expiresAt: z.string().optional(),
})

export const createdTokenSchema = apiTokenSchema.extend({ secret: z.string() })

export const loginResponseSchema = z.object({ token: z.string(), user: userSchema })

export const loginLinkSchema = z.object({
  /** One-time code (24 h); older unused codes of the user are revoked. */
  loginCode: z.string(),
  loginLink: z.string(),
})

export const createdUserSchema = z.object({
  user: userSchema,
  /** One-time code (24 h) the new user exchanges at /login for a session. */
  loginCode: z.string(),
  loginLink: z.string(),
})

const scorePointSchema = z.object({
  runId: z.string(),
  startedAt: z.string(),
  status: z.enum(['queued', 'running', 'finished', 'interrupted', 'cancelled']),
  verdict: z.enum(['pass', 'fail', 'error', 'interrupted']).optional(),
  score: z.number().optional(),
})

export const experimentSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  hypothesis: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
  createdByName: z.string(),
  labels: z.record(z.string(), z.string()),
  runningRuns: z.number().int(),
  lastRun: scorePointSchema.optional(),
  recentScores: z.array(scorePointSchema),
  /** Managed by a git source: read-only, shown with its path and commit. */
  origin: gitOriginSchema.optional(),
})

export const experimentSchema = experimentSummarySchema.extend({ yaml: z.string() })

export const experimentVersionInfoSchema = z.object({
  experimentId: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
  createdByName: z.string(),
  /** The API token's name; absent for a UI session. */
  createdVia: z.string().optional(),
  /** The version came from a git source: its file and commit. */
  origin: gitOriginSchema.optional(),
})

export const experimentVersionSchema = experimentVersionInfoSchema.extend({ yaml: z.string() })

export const experimentVersionPageSchema = z.object({
  versions: z.array(experimentVersionInfoSchema),
  next: z.number().int().optional(),
})

export const validationResultSchema = z.object({
  valid: z.boolean(),
  issues: z.array(validationIssueSchema),
})

export const hubTemplateSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  tags: z.array(z.string()),
  yaml: z.string(),
})

export const healthSchema = z.object({
  status: z.literal('ok'),
  version: z.string(),
  store: z.enum(['sqlite', 'postgres']),
  uptimeSeconds: z.number(),
  runningRuns: z.number().int(),
  connectedAgents: z.number().int(),
})

/** `GET /api/agents`: a registered agent, its stored facts merged with its live connection. */
export const agentInfoSchema = z.object({
  name: z.string(),
  labels: z.record(z.string(), z.string()),
  version: z.string().optional(),
  hostname: z.string().optional(),
  addresses: z.array(z.string()),
  connected: z.boolean(),
  connectedSince: z.string().optional(),
  disconnectedSince: z.string().optional(),
  lastHeartbeat: z.string().optional(),
  /** The agent's clock minus the server's (ms), measured by ping/pong. */
  clock: z.object({ offsetMs: z.number(), errorMs: z.number(), rttMs: z.number() }).optional(),
  maxRuns: z.number().int(),
  /** Ids of the runs it executes now. */
  runs: z.array(z.string()),
})
