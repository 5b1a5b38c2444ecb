/**
 * Documented examples: each fault, probe and check type supplies one next to its schema, and
 * `scripts/catalogue.ts` shows it in docs/catalogue.md after validating it as part of a whole
 * manifest through the real loader (so an example that stops validating fails the build).
 * @module
 */
import type { ExperimentInput, StepInputType } from './schema.js'

export type SystemInput = NonNullable<ExperimentInput['spec']['system']>

export interface Example<T> {
  /** The fault, probe, check or load itself, as written in a manifest. */
  value: T
  /** What `spec.system` must declare for `value` to validate (services, attach, hosts, proxies). */
  system?: SystemInput
  /** Steps the example needs besides its own, e.g. the load whose history a check reads. */
  steps?: StepInputType[]
  /** `spec.metrics` entries the example needs (a backlog check's queue depth). */
  metrics?: NonNullable<ExperimentInput['spec']['metrics']>
}
