/**
 * The one rule for names and ids, shared by the manifest schema, every Chaos Center route and
 * the UI. A name is shown in logs, terminals and pages, so it must not carry characters that
 * change how text around it reads: control characters (a newline forged a server log line),
 * NUL, escape sequences, and bidirectional overrides (U+202E reverses what follows).
 * Types and patterns only, no Node APIs: the UI imports this file.
 * @module
 */

/**
 * C0 controls, DEL, C1 controls, the line and paragraph separators, bidi marks, embeddings,
 * overrides and isolates, and the byte-order mark.
 */
export const UNSAFE_CHARS =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/

/** Experiment, service, host and probe names: lowercase letters, digits and dashes. */
export const NAME_PATTERN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/

/**
 * Ids (`exp_…`, `usr_…`, `tok_…`, engine run ids like `pause-api-20260101T120000-a1b2c3`):
 * letters, digits, `_` and `-`. No dots or slashes, so an id is never a path.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/

export const MAX_ID_LENGTH = 200
export const MAX_NAME_LENGTH = 100
