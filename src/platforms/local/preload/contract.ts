/**
 * Preloads: shared objects put in a launched service's LD_PRELOAD so that faults can act
 * inside it at run time (libfiu makes chosen calls fail, libfaketime moves its clock). A
 * service asks for them with `preload: [libfiu, libfaketime]`; a fault that needs one refuses
 * a target launched without it, naming the field.
 * @module
 */

/** The preloads a service may ask for, in the order their libraries go in LD_PRELOAD. */
export const PRELOAD_NAMES = ['libfiu', 'libfaketime'] as const
export type PreloadName = (typeof PRELOAD_NAMES)[number]

/** The replica being launched, as its preload sees it. */
export interface PreloadReplica {
  service: string
  replica: number
  /** The run's private directory for this replica's control files (made, owned by the service's user). */
  controlDir: string
}

export interface PreloadDriver {
  name: PreloadName
  /** Absolute paths of the shared objects, in LD_PRELOAD order. */
  libraries: readonly string[]
  /** The Debian packages that provide them, named when one is missing. */
  packages: readonly string[]
  /** The environment the replica starts with for this preload (control file paths, and so on). */
  env(replica: PreloadReplica): Record<string, string>
  /**
   * Makes the control files the replica must find at its first call (libfaketime's timestamp
   * file, "+0"), in `controlDir` once it exists and before the spawn; ordeal's own files, so
   * the service cannot rewrite what a fault later writes there. Optional: a preload whose
   * control files the process makes itself (libfiu's FIFOs) has none.
   */
  setup?(replica: PreloadReplica): void
}
