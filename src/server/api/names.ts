/**
 * The zod forms of the shared name and id rule (src/shared/names.ts), used by every route's
 * params, query and body, so no route can take a name or id another route would refuse.
 * @module
 */
import { z } from 'zod'
import {
  ID_PATTERN,
  MAX_ID_LENGTH,
  MAX_NAME_LENGTH,
  NAME_PATTERN,
  UNSAFE_CHARS,
} from '../../shared/names.js'

const UNSAFE_MESSAGE = 'must not contain control characters (newline, NUL, ESC) or bidi controls'

/** An id in a path, a query or a body. */
export const idSchema = z
  .string()
  .min(1)
  .max(MAX_ID_LENGTH)
  .regex(ID_PATTERN, 'must be an id: letters, digits, "_" and "-"')

/** An experiment's name (metadata.name): the manifest schema's rule. */
export const experimentNameSchema = z
  .string()
  .min(1)
  .max(MAX_ID_LENGTH)
  .regex(NAME_PATTERN, 'must be lowercase letters, digits and dashes (like a Kubernetes name)')

/** Free text shown on one line (file paths, messages): no control or bidi characters. */
export const plainTextSchema = (max: number) =>
  z
    .string()
    .max(max)
    .refine((text) => !UNSAFE_CHARS.test(text), UNSAFE_MESSAGE)

/** A display name (users, tokens): one line, no control or bidi characters, trimmed. */
export const displayNameSchema = plainTextSchema(MAX_NAME_LENGTH * 4)
  .trim()
  .min(1)
  .max(MAX_NAME_LENGTH)
