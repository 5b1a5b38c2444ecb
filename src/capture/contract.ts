/**
 * The resolved `spec.capture` and what a capture leaves: types only (the journal, the result
 * and the UI share `CaptureResult` through shared/result.ts).
 * @module
 */

/** `spec.capture`, resolved: defaults applied, the size in bytes. */
export interface CaptureSpec {
  /** Host names (spec.system.hosts); every host when the manifest names none. */
  hosts: string[]
  maxBytes: number
  filter?: string
  snaplen: number
}
